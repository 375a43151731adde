/**
 * An actor runs one instance of a chain of operators on a worker thread.
 *
 * Its mailbox is its input channels (or, for a source, its source reader). It takes a bounded
 * batch from its inputs, pushes each record through the chain by plain function calls, lets
 * its output ports write out what the batch produced (waiting while a consumer has no free
 * segment: backpressure), then yields to the event loop so the other actors and the sockets
 * of this worker make progress. It processes one thing at a time.
 *
 * Lifecycle: open (readers, writers, operators) → start → process … → finish (end of every
 * input: pending timers fire, operators emit what they held back, end-of-stream goes out,
 * sinks flush) → close. On an error or a cancel it aborts all its channels, so that the
 * actors on the other end wake up instead of waiting for records that will never come.
 */

import type { ChannelReader } from '../channel/types.ts';
import {
  ChannelClosedError,
  OperatorFailedError,
  type SerializedError,
  SluiceError,
  serializeError,
} from '../errors.ts';
import type { SourceReader } from '../graph/connector.ts';
import type { ActorSample } from '../metrics/types.ts';
import { type ActorEnvironment, Chain, type ChainNode, type Cursor, noop } from './chain.ts';
import { ProcessingTimers } from './timers.ts';

/** Records taken from one input (channel or source batch) before the actor yields. */
const BATCH_RECORDS = 1024;

export interface SinkOutcome {
  node: string;
  instance: number;
  result: unknown;
}

export type ActorOutcome =
  | { status: 'finished'; sample: ActorSample; sinks: SinkOutcome[] }
  | { status: 'failed'; sample: ActorSample; error: SerializedError }
  | { status: 'cancelled'; sample: ActorSample };

const setImmediatePromise = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A record as it can travel in an error: plain data, or its string form. */
function portableRecord(record: unknown): unknown {
  try {
    return structuredClone(record);
  } catch {
    return String(record);
  }
}

export class Actor {
  readonly id: string;
  private readonly abortController = new AbortController();
  private readonly timers = new ProcessingTimers();
  /** The node and record being processed: what an error names. */
  private readonly cursor: Cursor = { node: undefined, record: undefined };
  private readonly chain: Chain;
  /** Readers with a pending `whenReadable()`: one per reader, reused across waits. */
  private readonly readerWaits = new Set<ChannelReader>();

  private state: ActorSample['state'] = 'deploying';
  private isCancelled = false;
  /** Set by `drain`: the source reads no further batch. */
  private isDraining = false;
  /**
   * Ends the actor's current wait, whatever it waits for; `cancel` calls it. An actor does one
   * thing at a time, so there is one wait and one slot. A wait must never be raced against a
   * promise that lives as long as the actor: every race leaves a reaction on that promise which
   * is released only when it settles, so a long job would retain one per wait (measured: about
   * 8 MB per million records on each worker of a generator into `discard()`).
   */
  private cancelWait: () => void = noop;
  /** Ends the current wait for input; a reader that becomes readable calls it. */
  private inputWake: () => void = noop;

  private recordsIn = 0;
  private startedAt = 0;
  private endedAt = 0;
  private idleMs = 0;
  private backpressuredMs = 0;

  constructor(private readonly env: ActorEnvironment) {
    this.id = env.plan.id;
    this.chain = new Chain(env, this.cursor, this.timers, this.abortController.signal);
  }

  /** Open channels, operators, the source reader and sink writers. */
  open(): Promise<void> {
    return this.chain.open();
  }

  /**
   * Run until the end of input, an error or a cancel. Never throws. `startAtEpochMs` is the
   * job's start instant, handed to the source reader.
   */
  async run(startAtEpochMs = Date.now()): Promise<ActorOutcome> {
    this.state = 'running';
    this.startedAt = performance.now();
    const head = this.chain.head;
    try {
      for (const chainNode of this.chain.nodes.values()) {
        this.at(chainNode);
        chainNode.sinkWriter?.start?.(startAtEpochMs);
      }
      const source = this.chain.sourceReader;
      if (source !== undefined) {
        this.at(head);
        source.start?.(startAtEpochMs);
        await this.runSource(head, source);
      } else await this.runChannels(head);
      this.throwIfCancelled();
      await this.finish();
      const sinks = await this.closeSinks();
      this.state = 'finished';
      this.endedAt = performance.now();
      return { status: 'finished', sample: this.sample(), sinks };
    } catch (error) {
      return this.failWith(error);
    }
  }

  /**
   * Read no more: a source actor ends its input once the batch it is reading has arrived (a
   * reader with `stop()` is asked to end that read early), and then finishes as at the end of
   * its input, so what was read is processed and written. Other actors finish as their
   * inputs end.
   */
  drain(): void {
    if (this.isDraining) return;
    this.isDraining = true;
    const reader = this.chain.sourceReader;
    if (reader?.stop === undefined || this.state !== 'running') return;
    try {
      reader.stop();
    } catch {
      // Stopping early is a courtesy: the batch being read still ends the input.
    }
  }

  /** Stop at the next opportunity; the outcome becomes `cancelled`. */
  cancel(): void {
    if (this.isCancelled) return;
    this.isCancelled = true;
    this.abortController.abort(new SluiceError(`actor ${this.id} cancelled`));
    this.cancelWait();
  }

  private throwIfCancelled(): void {
    if (this.isCancelled) throw this.abortController.signal.reason;
  }

  private at(node: ChainNode | undefined): void {
    this.cursor.node = node;
    this.cursor.record = undefined;
  }

  private async runSource(head: ChainNode, reader: SourceReader<unknown>): Promise<void> {
    if (this.isDraining) reader.stop?.();
    for (;;) {
      this.throwIfCancelled();
      if (this.isDraining) break;
      this.at(head);
      const batch = await this.unlessCancelled(reader.next());
      this.throwIfCancelled();
      this.takeMalformed(head, reader);
      if (batch === null || batch === undefined) break;
      this.at(undefined);
      // A source may hand over a huge batch: take it in slices, yielding between them.
      for (let from = 0; from < batch.length; from += BATCH_RECORDS) {
        const to = Math.min(batch.length, from + BATCH_RECORDS);
        for (let i = from; i < to; i++) head.accept(batch[i]);
        this.recordsIn += to - from;
        await this.afterBatch();
        await setImmediatePromise();
        this.throwIfCancelled();
      }
    }
  }

  /**
   * The records the reader found malformed go to the source's rejects side output (the one
   * tag a source node has); they count as read, so records in = rows + malformed.
   */
  private takeMalformed(head: ChainNode, reader: SourceReader<unknown>): void {
    const malformed = reader.takeMalformed?.();
    if (malformed === undefined || malformed.length === 0) return;
    const tag = head.node.sideOutputs[0];
    if (tag !== undefined) for (const record of malformed) head.collector.emitTo(tag, record);
    this.recordsIn += malformed.length;
  }

  private async runChannels(head: ChainNode): Promise<void> {
    const onRecord = (record: unknown): void => {
      this.recordsIn++;
      head.accept(record);
    };
    // Watermarks and barriers are not used yet; end-of-stream shows as `reader.isEnded`.
    const onEvent = noop;
    let open = this.chain.readers.filter((r) => !r.isEnded);
    while (open.length > 0) {
      this.throwIfCancelled();
      let delivered = 0;
      for (const reader of open) delivered += reader.tryDrain(onRecord, onEvent, BATCH_RECORDS);
      delivered += this.fireTimers(Date.now());
      await this.afterBatch();
      if (open.some((r) => r.isEnded)) open = open.filter((r) => !r.isEnded);
      if (open.length === 0) break;
      if (delivered > 0) await setImmediatePromise();
      else await this.waitForInput(open);
    }
  }

  /** `work`'s outcome, or undefined as soon as the actor is cancelled. */
  private unlessCancelled<T>(work: Promise<T>): Promise<T | undefined> {
    if (this.isCancelled) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      this.cancelWait = () => resolve(undefined);
      work.then(resolve, reject);
    });
  }

  private async waitForInput(open: ChannelReader[]): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    try {
      await new Promise<void>((resolve) => {
        this.cancelWait = resolve;
        this.inputWake = resolve;
        if (this.isCancelled) resolve();
        for (const reader of open) {
          // A quiet input of a union keeps its one pending wait while others wake us.
          if (this.readerWaits.has(reader)) continue;
          this.readerWaits.add(reader);
          reader.whenReadable().then(() => {
            this.readerWaits.delete(reader);
            this.inputWake();
          });
        }
        const next = this.timers.nextTimestamp();
        if (next !== undefined) timer = setTimeout(resolve, next - Date.now());
      });
    } finally {
      this.inputWake = noop;
      clearTimeout(timer);
      this.idleMs += performance.now() - started;
    }
  }

  private fireTimers(now: number): number {
    let fired = 0;
    for (let timer = this.timers.popDue(now); timer; timer = this.timers.popDue(now)) {
      const chainNode = this.chain.nodes.get(timer.operator)!;
      this.at(chainNode);
      chainNode.operator!.onTimer!(timer.timestamp, timer.key, chainNode.collector);
      fired++;
    }
    this.at(undefined);
    return fired;
  }

  /** Let every port write out what the batch produced; waiting here is backpressure. */
  private async afterBatch(): Promise<void> {
    for (const { port, owner } of this.chain.ports) {
      if (!port.isBlocked) continue;
      this.at(owner);
      const started = performance.now();
      await this.unlessCancelled(port.settle());
      this.backpressuredMs += performance.now() - started;
      this.throwIfCancelled();
    }
    this.at(undefined);
  }

  private async finish(): Promise<void> {
    for (const index of this.env.plan.nodes) {
      this.fireTimers(Number.POSITIVE_INFINITY);
      const chainNode = this.chain.nodes.get(index)!;
      this.at(chainNode);
      chainNode.operator?.finish?.(chainNode.collector);
      await this.afterBatch();
    }
    this.fireTimers(Number.POSITIVE_INFINITY);
    await this.afterBatch();
    const started = performance.now();
    await Promise.all(this.chain.writers.map(({ writer }) => writer.end()));
    this.backpressuredMs += performance.now() - started;
  }

  private async closeSinks(): Promise<SinkOutcome[]> {
    const results: SinkOutcome[] = [];
    for (const chainNode of this.chain.nodes.values()) {
      const writer = chainNode.sinkWriter;
      if (writer === undefined) continue;
      this.at(chainNode);
      await writer.flush(true);
      await writer.close();
      const result = writer.result?.();
      results.push({ node: chainNode.node.id, instance: this.env.plan.instance, result });
    }
    if (this.chain.sourceReader !== undefined) {
      this.at(this.chain.head);
      await this.chain.sourceReader.close();
    }
    this.at(undefined);
    return results;
  }

  /** Abort every channel, release resources and report `error` (also used when open fails). */
  async failWith(error: unknown): Promise<ActorOutcome> {
    this.endedAt = performance.now();
    const cancelled = this.isCancelled;
    const { node, record } = this.cursor;
    let reported: unknown = error;
    if (!cancelled && !(error instanceof ChannelClosedError) && node !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      const instance = this.env.plan.instance;
      reported = new OperatorFailedError(
        `operator ${node.node.id} instance ${instance} failed` +
          (record === undefined ? '' : ' on a record') +
          `: ${message}`,
        {
          cause: error,
          operator: node.node.id,
          instance,
          record: record === undefined ? undefined : portableRecord(record),
        },
      );
    }
    this.state = cancelled ? 'cancelled' : 'failed';
    // Wake the actors on the other end of every channel, which would otherwise wait forever.
    for (const reader of this.chain.readers) reader.abort(reported);
    for (const { writer } of this.chain.writers) writer.abort(reported);
    if (!this.abortController.signal.aborted) this.abortController.abort(reported);
    await this.closeQuietly();
    if (cancelled) return { status: 'cancelled', sample: this.sample() };
    return { status: 'failed', sample: this.sample(), error: serializeError(reported) };
  }

  /** Release files and sockets after a failure; their own errors would only hide the first. */
  private async closeQuietly(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    if (this.chain.sourceReader !== undefined) closing.push(this.chain.sourceReader.close());
    for (const chainNode of this.chain.nodes.values()) {
      if (chainNode.sinkWriter !== undefined) closing.push(chainNode.sinkWriter.close());
    }
    await Promise.allSettled(closing);
  }

  /** Cumulative counters; the main thread turns them into rates. */
  sample(): ActorSample {
    const now = this.endedAt || performance.now();
    const elapsed = this.startedAt === 0 ? 0 : now - this.startedAt;
    let recordsOut = 0;
    for (const { port } of this.chain.ports) recordsOut += port.recordsOut;
    let recordsToSinks = 0;
    const sinks: Record<string, unknown> = {};
    for (const chainNode of this.chain.nodes.values()) {
      recordsToSinks += chainNode.sinkPort?.recordsOut ?? 0;
      const stats = chainNode.sinkWriter?.stats?.();
      if (stats !== undefined) sinks[chainNode.node.id] = stats;
    }
    const { plan, graph } = this.env;
    return {
      id: this.id,
      operators: plan.nodes.map((n) => graph.nodes[n]!.id),
      instance: plan.instance,
      worker: this.env.worker,
      state: this.state,
      recordsIn: this.recordsIn,
      recordsOut,
      recordsToSinks,
      elapsedMs: elapsed,
      idleMs: this.idleMs,
      backpressuredMs: this.backpressuredMs,
      busyMs: Math.max(0, elapsed - this.idleMs - this.backpressuredMs),
      edges: this.chain.writers.map(({ channel, writer }) => ({
        channel,
        segmentsInUse: writer.segmentsInUse(),
      })),
      sinks,
      sampledAt: Date.now(),
    };
  }
}
