/**
 * The contract between the runtime and sources and sinks.
 *
 * A job module is imported on every worker and rebuilds the same graph, so a `Source` or a
 * `Sink` object exists on every worker: it never crosses threads and may hold functions.
 * Each operator instance (actor) opens its own reader or writer on the worker it is placed on.
 * As Flink keeps `Sink` apart from `SinkWriter`, a `Sink` is validated eagerly when the graph
 * is built, and only its writer does I/O.
 */

export interface InstanceContext {
  /** The operator's id in the graph, such as "csv#0". */
  operatorId: string;
  /** This instance's index, 0 … parallelism − 1. */
  instance: number;
  parallelism: number;
  /** Aborted when the job is cancelled or fails. */
  signal: AbortSignal;
  /**
   * Sources only: true when the job takes this source's malformed records
   * (`from(source, { rejects })`). The reader then reports each through `takeMalformed()` and
   * reads on; otherwise a malformed record fails the job.
   */
  keepsMalformed?: boolean;
}

/**
 * A record a source could not read (a wrong field count, an unterminated quote, invalid
 * UTF-8, a record over the size limit): where it starts, why, and its text as read (cut to
 * `MAX_MALFORMED_TEXT` characters; a record not valid UTF-8 is read as Latin-1).
 */
export interface MalformedRecord {
  /** "file:line" of the record's first line. */
  source: string;
  error: string;
  record: string;
}

/** Characters of a malformed record's text that are kept: a 20 MB record is not copied whole. */
export const MAX_MALFORMED_TEXT = 64 << 10;

/** Reads this instance's share of the input, in batches. */
export interface SourceReader<T> {
  /**
   * Called once, before the first `next()`, with the job's start instant (ms since the epoch),
   * the same for every instance of every source: a source that paces itself by the clock (a
   * benchmark's schedule of operations) lines its instances up on it.
   */
  start?(atEpochMs: number): void;
  /** The next batch of records, or `null` at the end of this instance's share. */
  next(): Promise<T[] | null>;
  /**
   * The job is draining (`JobHandle.drain()`): end the pending or next `next()` early, with
   * what was already read or `null`. Without it, the batch being read ends the input.
   */
  stop?(): void;
  /**
   * With `keepsMalformed`: the malformed records met since the last call. The actor takes them
   * after every `next()`, the last one included, and sends them to the source's rejects.
   */
  takeMalformed?(): MalformedRecord[];
  /** Release files and sockets; called once, after the end or on cancel. */
  close(): Promise<void>;
}

export interface Source<T> {
  /** For plans, metrics and errors: "csv(data.csv)". */
  readonly name: string;
  /** The most instances this source can use (1 for stdin); undefined means any. */
  readonly maxParallelism?: number;
  /** Called on the instance's worker. Instance i of n reads a disjoint share; together they read everything once. */
  open(ctx: InstanceContext): SourceReader<T> | Promise<SourceReader<T>>;
}

/**
 * Writes records. `write` returns `undefined` when the caller may write again at once, or a
 * promise when it must wait (backpressure): the caller awaits it before the next call.
 */
export interface SinkWriter<T> {
  /** Called once, before the first `write`, with the job's start instant (see `SourceReader.start`). */
  start?(atEpochMs: number): void;
  write(record: T): Promise<void> | undefined;
  /** Make everything written so far durable; `endOfInput` is true for the last call. */
  flush(endOfInput: boolean): Promise<void>;
  close(): Promise<void>;
  /** Plain data handed back to the caller when the job ends (collected records, a load report). */
  result?(): unknown;
  /** Connector-specific counters for `stats()`; plain data. */
  stats?(): Record<string, unknown>;
}

/**
 * A sink that chooses which of its instances writes each record (the `replica` partitioning:
 * a Cassandra sink sends a row to the instance that owns its replicas). Routing happens on
 * the producing actors' workers, synchronously per record, so what it needs (a token ring)
 * is fetched once, on the main thread, and handed to every producer as plain data.
 */
export interface SinkPartitioner<T> {
  /** Runs once on the main thread before the job deploys; returns structured-clonable data. */
  prepare(): Promise<unknown>;
  /** Runs on each producing actor's worker with what `prepare` returned. */
  open(prepared: unknown): (record: T, instances: number) => number;
}

export interface Sink<T> {
  readonly name: string;
  readonly maxParallelism?: number;
  /** When set, and the stream chose no partitioning of its own, records are routed by it. */
  readonly partitioner?: SinkPartitioner<T>;
  createWriter(ctx: InstanceContext): SinkWriter<T> | Promise<SinkWriter<T>>;
}

/**
 * The file instance `instance` of `parallelism` writes, the one naming scheme of every sink that
 * writes files (file sinks, bad-records files): `{instance}` in the path is replaced by the
 * index; otherwise one instance writes the path itself, and several write `-<index>` before the
 * extension, zero-padded to one width (`out.csv` → `out-0.csv` … `out-11.csv`).
 */
export function instancePath(path: string, instance: number, parallelism: number): string {
  if (path.includes('{instance}')) return path.replaceAll('{instance}', String(instance));
  if (parallelism === 1) return path;
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  const digits = String(parallelism - 1).length;
  const suffix = `-${String(instance).padStart(digits, '0')}`;
  return dot > slash + 1 ? path.slice(0, dot) + suffix + path.slice(dot) : path + suffix;
}
