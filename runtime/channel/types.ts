/**
 * The public contract of a channel: one SharedArrayBuffer per edge, one producer actor,
 * one consumer actor, roles never change. See `layout.ts` for the memory layout.
 */

import type { CodecSpec } from '../codec/types.ts';
import type { SerializedError } from '../errors.ts';

/** Plain data that describes a channel; it is sent to both ends' threads. */
export interface ChannelHandle {
  sab: SharedArrayBuffer;
  segmentSize: number;
  segmentCount: number;
  maxRecordSize: number;
  codec: CodecSpec;
  /** For error messages: "map#1/0 -> sink#2/1". */
  name: string;
}

export interface ChannelOptions {
  /** Bytes per segment; default 32 KiB. */
  segmentSize?: number;
  /** Segments (credits) per channel; default 8. */
  segmentCount?: number;
  /** Largest encoded record accepted; default 16 MiB. Larger records span segments. */
  maxRecordSize?: number;
  codec?: CodecSpec;
  name?: string;
}

/** Control events travel in band, ordered with the data. */
export type ControlEvent =
  | { kind: 'end' }
  | { kind: 'watermark'; timestamp: number }
  | { kind: 'barrier'; checkpointId: number }
  | { kind: 'abort'; error: SerializedError };

export interface WriterStats {
  recordsOut: number;
  segmentsPublished: number;
  /** Milliseconds spent waiting for credit (a free segment). */
  backpressuredMs: number;
}

export interface ReaderStats {
  recordsIn: number;
  segmentsConsumed: number;
  /** Milliseconds spent parked with nothing to read. */
  idleMs: number;
}

/**
 * The producer end. Not thread-safe: one actor on one thread owns it.
 *
 * `write` accepts the record and returns `undefined` when the caller may write again at once,
 * or a promise when it must wait for credit: the caller awaits it before the next call.
 * This keeps the hot path free of promise allocation.
 */
export interface ChannelWriter<T = unknown> {
  write(record: T): Promise<void> | undefined;
  /** Publish the partly filled segment now (also happens when full, after the linger, and before any event). */
  flush(): Promise<void> | undefined;
  /** Send a control event in band (flushes data first). */
  sendEvent(event: Exclude<ControlEvent, { kind: 'abort' }>): Promise<void>;
  /** Flush, then send end-of-stream. The writer cannot be used afterwards. */
  end(): Promise<void>;
  /** Abort the channel; wakes the consumer, which surfaces `error`. Never waits. */
  abort(error: unknown): void;
  stats(): WriterStats;
  /** Segments currently published and not yet returned by the consumer (0…segmentCount). */
  segmentsInUse(): number;
}

/**
 * The consumer end. Not thread-safe: one actor on one thread owns it.
 * Records are decoded in place; a segment is returned (credit granted) once it is drained.
 */
export interface ChannelReader<T = unknown> {
  /**
   * Deliver what is available without waiting: records to `onRecord`, events to `onEvent`,
   * in order. Stops after at most `maxRecords` records (default: everything available).
   * Returns the number of records and events delivered (0: nothing available).
   * Throws `ChannelClosedError` if the producer aborted.
   */
  tryDrain(
    onRecord: (record: T) => void,
    onEvent: (event: ControlEvent) => void,
    maxRecords?: number,
  ): number;
  /** Resolves when something is available to drain (or the channel was aborted). */
  whenReadable(): Promise<void>;
  /** True once the end-of-stream event has been delivered. */
  readonly isEnded: boolean;
  /** Abort from the consumer side; wakes the producer, whose next write rejects with `error`. */
  abort(error: unknown): void;
  stats(): ReaderStats;
}
