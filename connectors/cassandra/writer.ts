/**
 * The sink writer of one instance: rows → batches (by partition or by replica set) → replica hosts.
 *
 * Flow of a record: `bind` (convert, serialize the partition key, hash it) → the open batch
 * of its group (`batch.groupBy`: its partition, or its replica set, i.e. every partition
 * stored by the same hosts; one fills up to `batch.maxRows` rows or `batch.maxBytes`, or is
 * sent after `batch.lingerMs`) → a request routed to a replica of the group (the primary
 * unless it is down or busier than another replica) → that host's queue → sent when the
 * host's adaptive window (window.ts) has a free slot. Rows of one partition keep their order
 * in either mode.
 *
 * Throttles (rate-limit.ts): besides its host's window, a request waits for a slot of this
 * instance's share of `maxConcurrentQueries`, and for its rows and bytes in this instance's
 * share of `maxRowsPerSecond` / `maxBytesPerSecond`. A lane held back by them is remembered
 * and pumped again when a request completes or the rate timer fires.
 *
 * Backpressure: when more requests wait in the queues than all windows together can hold,
 * `write` returns a promise that resolves once the queues are half drained. Memory is thus
 * bounded by `maxBufferedRows` open rows plus two windows' worth of requests.
 *
 * Failures: timeouts, Overloaded, Unavailable and unreachable hosts are transient: they are
 * retried (a write with fixed values is idempotent; a counter increment is retried only
 * after Overloaded or Unavailable, see `isIdempotent`) with exponential
 * backoff and jitter, up to `retry.maxAttempts` attempts, possibly on another replica, and a
 * row is bad, and counts against `maxErrors`, only once its attempts are spent. A batch
 * Cassandra rejects is split into single rows so only the culprit is rejected. A row that
 * cannot be converted, is rejected, or runs out of attempts goes to the bad-records file with
 * its cause counted apart (`BadCause`); past `maxErrors` the writer fails. Every received
 * record ends either written or bad: `result()` reports both.
 *
 * Single-threaded: the instance's actor calls write/flush/close one at a time; driver
 * callbacks and timers run on the same event loop.
 */

import { ConnectorError, SluiceError } from '../../runtime/errors.ts';
import type { InstanceContext, SinkWriter } from '../../runtime/graph/connector.ts';
import { createHistogram, encodeHistogram } from '../../runtime/metrics/histogram.ts';
import type { BadRecordsFile } from './bad-records.ts';
import type { WriteExecutor } from './client.ts';
import type { CassandraConfig } from './config.ts';
import { overBudget } from './error-budget.ts';
import { chooseLane, Lane, type Request, WINDOW_OUTCOME } from './lane.ts';
import type { HostStats } from './metrics.ts';
import { concurrencyShare, RateLimit, rateShare } from './rate-limit.ts';
import type { Ring } from './ring.ts';
import type { BoundRow } from './schema.ts';

export interface WriterParts {
  config: CassandraConfig;
  ctx: InstanceContext;
  mapper: { bind(record: unknown): BoundRow };
  ring: Ring;
  executor: WriteExecutor;
  badRecords: BadRecordsFile;
  /** Releases the connection; called once by `close`. */
  onClose?: () => Promise<void>;
  /** Source of jitter, replaceable for tests. */
  random?: () => number;
  /**
   * False when applying a request twice is not applying it once (counter increments): such a
   * request is retried only after Overloaded or Unavailable, which say it was not applied.
   */
  isIdempotent?: boolean;
}

/**
 * Why a row is bad: it could not be converted to the table's types; Cassandra rejected it
 * (retrying cannot help); or its transient failures (timeouts, Overloaded, Unavailable, an
 * unreachable host) outlasted `retry.maxAttempts`.
 */
export type BadCause = 'conversion' | 'rejected' | 'retriesExhausted';

export interface CassandraWriteResult {
  keyspace: string;
  table: string;
  instance: number;
  received: number;
  written: number;
  bad: number;
  /** The bad rows by cause; they add up to `bad`. */
  badCauses: Record<BadCause, number>;
  /** Requests sent again after a transient failure; a retried row is bad only once its retries run out. */
  retries: number;
  /** Set when bad > 0. */
  badFile: string | undefined;
  /** written + bad = received. */
  isComplete: boolean;
  /** Where requests and rows went: see `routing` in the writer. */
  routing: { replica: number; nonReplica: number; foreignRows: number };
}

interface OpenBatch {
  rows: BoundRow[];
  bytes: number;
  /** Host indexes of the replicas every row of the batch shares, primary first. */
  replicas: readonly number[];
}

export class CassandraWriter implements SinkWriter<unknown> {
  readonly #config: CassandraConfig;
  readonly #ctx: InstanceContext;
  readonly #parts: WriterParts;
  readonly #lanes: Lane[];
  readonly #random: () => number;

  #received = 0;
  #written = 0;
  /** Serialized bytes of the values of the rows written. */
  #writtenBytes = 0;
  /** When this instance sent its first request (performance.now()); NaN before. */
  #firstSendAt = Number.NaN;
  #retries = 0;
  readonly #badCauses: Record<BadCause, number> = {
    conversion: 0,
    rejected: 0,
    retriesExhausted: 0,
  };
  /**
   * replica/nonReplica: requests whose coordinator was (not) a replica of their partition.
   * foreignRows: rows that reached this instance although the ring gives them to another one
   * (0 when the replica partitioning fed this writer).
   */
  readonly #routing = { replica: 0, nonReplica: 0, foreignRows: 0 };

  /** Open batches by group: the partition key (latin1) or the replica set's index. */
  readonly #open = new Map<string | number, OpenBatch>();
  readonly #isByReplicaSet: boolean;
  #openRows = 0;
  #linger: NodeJS.Timeout | undefined;
  #queued = 0;
  #inFlight = 0;
  /** The most requests this instance had in flight at once. */
  #maxInFlightSeen = 0;
  /** This instance's share of `maxConcurrentQueries` (Infinity: the windows alone decide). */
  readonly #maxInFlight: number;
  readonly #rateLimit: RateLimit | undefined;
  /** Lanes with a request the in-flight share or the rate limit held back, oldest first. */
  readonly #held = new Set<Lane>();
  #rateTimer: NodeJS.Timeout | undefined;
  readonly #retryTimers = new Set<NodeJS.Timeout>();

  #failure: Error | undefined;
  #gate: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined;
  #idleWaiters: Array<() => void> = [];
  #isClosed = false;

  constructor(parts: WriterParts) {
    this.#parts = parts;
    this.#config = parts.config;
    this.#ctx = parts.ctx;
    this.#random = parts.random ?? Math.random;
    this.#isByReplicaSet = parts.config.batch.groupBy === 'replicaSet';
    const { maxConcurrentQueries, maxRowsPerSecond, maxBytesPerSecond } = parts.config;
    const { instance, parallelism } = parts.ctx;
    this.#maxInFlight =
      maxConcurrentQueries === undefined
        ? Number.POSITIVE_INFINITY
        : concurrencyShare(maxConcurrentQueries, instance, parallelism);
    // No window needs to grow past what the instance may have in flight in all.
    const { initial, min, max } = parts.config.window;
    const cap = this.#maxInFlight;
    const window = {
      initial: Math.min(initial, cap),
      min: Math.min(min, cap),
      max: Math.min(max, cap),
    };
    this.#lanes = parts.ring.hosts.map((h) => new Lane(h.address, window));
    this.#rateLimit =
      maxRowsPerSecond === undefined && maxBytesPerSecond === undefined
        ? undefined
        : new RateLimit(
            rateShare(
              { rowsPerSecond: maxRowsPerSecond, bytesPerSecond: maxBytesPerSecond },
              parallelism,
            ),
            performance.now(),
          );
    parts.ctx.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => {
    this.#fail(new ConnectorError(`${this.#name()}: cancelled`));
  };

  write(record: unknown): Promise<void> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#received++;
    let row: BoundRow;
    try {
      row = this.#parts.mapper.bind(record);
    } catch (error) {
      this.#reject(record, error, 0, 'conversion');
      return this.#backpressure();
    }
    const { maxRows, maxBytes } = this.#config.batch;
    const { ring } = this.#parts;
    const id = this.#isByReplicaSet ? ring.replicaSetOf(row.token) : row.key.toString('latin1');
    let batch = this.#open.get(id);
    if (batch !== undefined && batch.bytes + row.bytes > maxBytes) {
      this.#takeOpen(id, batch);
      batch = undefined;
    }
    if (batch === undefined) {
      const replicas = typeof id === 'number' ? ring.replicaSets[id]! : ring.replicasOf(row.token);
      batch = { rows: [], bytes: 0, replicas };
      this.#open.set(id, batch);
    }
    batch.rows.push(row);
    batch.bytes += row.bytes;
    this.#openRows++;
    if (batch.rows.length >= maxRows) this.#takeOpen(id, batch);
    else if (this.#openRows >= this.#config.maxBufferedRows) this.#dispatchOpen();
    else this.#armLinger();
    return this.#backpressure();
  }

  async flush(endOfInput: boolean): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#dispatchOpen();
    if (this.#outstanding() > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    await this.#parts.badRecords.flush();
    if (endOfInput && !this.#failure) {
      this.#checkBudget(true);
      if (!this.#failure && this.#written + this.#parts.badRecords.count !== this.#received) {
        this.#fail(
          new SluiceError(
            `${this.#name()}: ${this.#received} records received but ${this.#written} written and ${this.#parts.badRecords.count} bad`,
          ),
        );
      }
    }
    if (this.#failure) throw this.#failure;
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#ctx.signal.removeEventListener('abort', this.#onAbort);
    clearTimeout(this.#linger);
    clearTimeout(this.#rateTimer);
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    try {
      await this.#parts.badRecords.close();
    } finally {
      await this.#parts.onClose?.();
    }
  }

  result(): CassandraWriteResult {
    const bad = this.#parts.badRecords.count;
    return {
      keyspace: this.#config.keyspace,
      table: this.#config.table,
      instance: this.#ctx.instance,
      received: this.#received,
      written: this.#written,
      bad,
      badCauses: { ...this.#badCauses },
      retries: this.#retries,
      badFile: bad > 0 ? this.#parts.badRecords.path : undefined,
      isComplete: this.#written + bad === this.#received,
      routing: { ...this.#routing },
    };
  }

  stats(): Record<string, unknown> {
    const hosts: Record<string, HostStats> = {};
    const latencies = createHistogram();
    for (const lane of this.#lanes) {
      hosts[lane.address] = lane.metrics.snapshot(lane.window.inFlight, lane.window.limit);
      lane.metrics.addLatenciesTo(latencies);
    }
    // Encoded, so a report can sum every instance's and read exact percentiles from the sum.
    const latencyHdr = encodeHistogram(latencies);
    latencies.destroy();
    return {
      received: this.#received,
      written: this.#written,
      bad: this.#parts.badRecords.count,
      writtenBytes: this.#writtenBytes,
      /** Since this instance sent its first request, ms: the time its rates are measured over. */
      sendingMs: Number.isNaN(this.#firstSendAt) ? 0 : performance.now() - this.#firstSendAt,
      /** The bad rows by cause (see `BadCause`). */
      badCauses: { ...this.#badCauses },
      buffered: this.#openRows,
      queued: this.#queued,
      inFlight: this.#inFlight,
      /** The most requests in flight at once, and this instance's share of maxConcurrentQueries (null: none). */
      maxInFlight: this.#maxInFlightSeen,
      inFlightShare: Number.isFinite(this.#maxInFlight) ? this.#maxInFlight : null,
      retrying: this.#retryTimers.size,
      /** Requests sent again after a transient failure. */
      retries: this.#retries,
      /** Requests whose coordinator was (or was not) a replica of the partition. */
      routing: { ...this.#routing },
      hosts,
      /** Request latency of every host, µs, HDR compressed base64. */
      latencyHdr,
    };
  }

  #name(): string {
    return `${this.#ctx.operatorId}/${this.#ctx.instance} (cassandra ${this.#config.keyspace}.${this.#config.table})`;
  }

  #outstanding(): number {
    return this.#openRows + this.#queued + this.#inFlight + this.#retryTimers.size;
  }

  #takeOpen(id: string | number, batch: OpenBatch): void {
    this.#open.delete(id);
    this.#openRows -= batch.rows.length;
    this.#dispatch(batch);
  }

  #dispatchOpen(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    for (const batch of this.#open.values()) this.#dispatch(batch);
    this.#open.clear();
    this.#openRows = 0;
  }

  #armLinger(): void {
    if (this.#linger !== undefined) return;
    if (this.#config.batch.lingerMs === 0) {
      this.#dispatchOpen();
      return;
    }
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      this.#dispatchOpen();
    }, this.#config.batch.lingerMs);
  }

  #dispatch({ rows, bytes, replicas }: OpenBatch): void {
    const { ring } = this.#parts;
    const { parallelism, instance } = this.#ctx;
    if (this.#isByReplicaSet) {
      // Partitions of one replica set may belong to different instances (parallelism > hosts).
      for (const row of rows) {
        if (ring.instanceFor(row.token, parallelism) !== instance) this.#routing.foreignRows++;
      }
    } else if (ring.instanceFor(rows[0]!.token, parallelism) !== instance) {
      this.#routing.foreignRows += rows.length;
    }
    this.#route({ rows, bytes, replicas, attempts: 0 });
  }

  #route(request: Request): void {
    const executor = this.#parts.executor;
    const lane = chooseLane(this.#lanes, request.replicas, (a) => executor.isUp(a));
    lane.enqueue(request);
    this.#queued++;
    this.#pump(lane);
  }

  /**
   * Sends the requests waiting on `lane` while its window has a slot, this instance is under
   * its in-flight share, and the rate limit lets them go. A lane held back by either of the
   * last two is remembered in `#held`.
   */
  #pump(lane: Lane): void {
    while (!this.#isClosed) {
      const next = lane.peek();
      if (next === undefined || lane.window.headroom <= 0) break;
      if (this.#inFlight >= this.#maxInFlight || !this.#isAdmitted(next)) {
        this.#held.add(lane);
        break;
      }
      lane.tryTake();
      this.#queued--;
      this.#send(lane, next);
    }
    this.#maybeOpenGate();
  }

  /** Pumps the lanes held back, oldest first: a slot or tokens may have come free. */
  #pumpHeld(): void {
    if (this.#held.size === 0) return;
    const lanes = [...this.#held];
    this.#held.clear();
    for (const lane of lanes) this.#pump(lane);
  }

  /** Takes the request's rows and bytes from the rate limit, or arms the timer that tries again. */
  #isAdmitted(request: Request): boolean {
    if (this.#rateLimit === undefined) return true;
    const waitMs = this.#rateLimit.tryTake(request.rows.length, request.bytes, performance.now());
    if (waitMs === 0) return true;
    this.#rateTimer ??= setTimeout(() => {
      this.#rateTimer = undefined;
      this.#pumpHeld();
    }, Math.ceil(waitMs));
    return false;
  }

  #send(lane: Lane, request: Request): void {
    request.attempts++;
    if (Number.isNaN(this.#firstSendAt)) this.#firstSendAt = performance.now();
    lane.metrics.requests++;
    this.#inFlight++;
    if (this.#inFlight > this.#maxInFlightSeen) this.#maxInFlightSeen = this.#inFlight;
    const started = performance.now();
    this.#parts.executor.send(lane.address, request.rows).then(
      (coordinator) => this.#succeeded(lane, request, coordinator, started),
      (error: unknown) => this.#failed(lane, request, error, started),
    );
  }

  #succeeded(lane: Lane, request: Request, coordinator: string, started: number): void {
    // After close the job is torn down: late responses change nothing (and open no file).
    if (this.#isClosed) return;
    const now = performance.now();
    this.#inFlight--;
    lane.window.release('ok', now - started, now);
    lane.metrics.recordSuccess(request.rows.length, now - started);
    this.#written += request.rows.length;
    this.#writtenBytes += request.bytes;
    const isReplica = request.replicas.some((i) => this.#lanes[i]!.address === coordinator);
    if (isReplica) this.#routing.replica++;
    else this.#routing.nonReplica++;
    this.#pumpHeld();
    this.#pump(lane);
    this.#settle();
  }

  #failed(lane: Lane, request: Request, error: unknown, started: number): void {
    if (this.#isClosed) return;
    const now = performance.now();
    this.#inFlight--;
    const kind = this.#parts.executor.classify(error);
    lane.metrics.recordError(kind);
    lane.window.release(WINDOW_OUTCOME[kind], now - started, now);
    if (kind === 'rejected' && request.rows.length > 1) {
      // One bad row fails the whole batch: send the rows alone so only the culprit is rejected.
      for (const row of request.rows) {
        this.#route({
          rows: [row],
          bytes: row.bytes,
          replicas: request.replicas,
          attempts: request.attempts,
        });
      }
    } else if (
      kind !== 'rejected' &&
      // A timed-out counter increment may have been applied: only a refusal is safe to retry.
      (this.#parts.isIdempotent !== false || kind === 'overloaded' || kind === 'unavailable') &&
      request.attempts < this.#config.retry.maxAttempts &&
      !this.#ctx.signal.aborted
    ) {
      this.#retries++;
      const timer = setTimeout(() => {
        this.#retryTimers.delete(timer);
        this.#route(request);
      }, this.#backoffMs(request.attempts));
      this.#retryTimers.add(timer);
    } else {
      const cause = kind === 'rejected' ? 'rejected' : 'retriesExhausted';
      for (const row of request.rows) this.#reject(row.record, error, request.attempts, cause);
    }
    this.#pumpHeld();
    this.#pump(lane);
    this.#settle();
  }

  /** Exponential backoff with "equal jitter": half the step is fixed, half random, so retries spread out but never fire at once. */
  #backoffMs(attempts: number): number {
    const { baseDelayMs, maxDelayMs } = this.#config.retry;
    const step = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1));
    return step / 2 + this.#random() * (step / 2);
  }

  #reject(record: unknown, error: unknown, attempts: number, cause: BadCause): void {
    this.#badCauses[cause]++;
    this.#parts.badRecords.append({ record, error, attempts });
    this.#checkBudget(false, error);
  }

  #checkBudget(isEnd: boolean, lastError?: unknown): void {
    if (this.#failure) return;
    const bad = this.#parts.badRecords;
    const error = overBudget(
      this.#config.maxErrors,
      bad.count,
      this.#received,
      isEnd,
      this.#name(),
      bad.path,
      lastError,
    );
    if (error) this.#fail(error);
  }

  #backpressure(): Promise<void> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#queued < this.#queueLimit()) return undefined;
    if (this.#gate === undefined) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#gate = { promise, resolve, reject };
    }
    return this.#gate.promise;
  }

  /** Requests allowed to wait in queues: what all the windows can hold together. */
  #queueLimit(): number {
    let sum = 0;
    for (const lane of this.#lanes) sum += lane.window.limit;
    return Math.max(8, sum);
  }

  #maybeOpenGate(): void {
    if (this.#gate !== undefined && this.#queued <= this.#queueLimit() / 2) {
      const gate = this.#gate;
      this.#gate = undefined;
      gate.resolve();
    }
  }

  #settle(): void {
    if (this.#idleWaiters.length > 0 && (this.#outstanding() === 0 || this.#failure)) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    clearTimeout(this.#linger);
    if (this.#gate) {
      const gate = this.#gate;
      this.#gate = undefined;
      // The caller may not be awaiting it; the same error also rejects the next write or flush.
      gate.promise.catch(() => {});
      gate.reject(error);
    }
    this.#settle();
  }
}
