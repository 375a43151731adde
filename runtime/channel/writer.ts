/**
 * The producer end of a channel. Single producer: one actor on one thread owns it, and every
 * field below is touched by that thread only (the shared state lives in the buffer).
 *
 * Records are encoded straight into the segment the writer holds. A segment is published when
 * it is full, when the linger timer fires, on flush, and before an event. Holding a segment
 * needs one credit (a free slot); without one the writer parks on the producer wake word.
 * A record larger than a segment is encoded into a scratch buffer and shipped as fragments.
 *
 * Errors: a closed or aborted channel and a record over maxRecordSize reject the promise that
 * `write` returns; a CodecError from the fast path is thrown by `write` itself. An abort from
 * the other side is noticed when the writer next needs a segment (at most one segment later).
 */

import type { Codec } from '../codec/types.ts';
import { ChannelClosedError, RecordTooLargeError } from '../errors.ts';
import { abortBuffer, abortedError, isAborted } from './abort.ts';
import { checkHandle } from './create.ts';
import { EVENT_ENTRY_SIZE, encodeEvent, writeEntryHeader, writeU32 } from './framing.ts';
import {
  ABORT_DONE,
  ABORT_STATE,
  ABORTED_BY_PRODUCER,
  CONSUMER_PARKED,
  CONSUMER_WAKE,
  creditWakeThreshold,
  ENTRY_HEADER_SIZE,
  FIRST_ENTRY_OFFSET,
  FRAGMENT_TOTAL_SIZE,
  indexModulus,
  KIND_DATA,
  KIND_EVENT,
  KIND_FRAGMENT,
  KIND_FRAGMENT_HEAD,
  nextEntryOffset,
  nextIndex,
  PRODUCER_PARKED,
  PRODUCER_WAKE,
  READ_INDEX,
  SEG_BYTES_USED_OFFSET,
  SEG_ENTRY_COUNT_OFFSET,
  SEG_FLAGS_OFFSET,
  SEG_PUBLISH_INDEX_OFFSET,
  segmentHeaderOffset,
  segmentsBetween,
  segmentsOffset,
  WRITE_INDEX,
} from './layout.ts';
import { park, unpark } from './park.ts';
import type { ChannelHandle, ChannelWriter, ControlEvent, WriterStats } from './types.ts';

export interface WriterOptions {
  /** Longest time a record may wait in a partly filled segment; default 2 ms. */
  lingerMs?: number;
}

export const DEFAULT_LINGER_MS = 2;

const OPEN = 0;
const ENDED = 1;
const ABORTED = 2;

export class SharedChannelWriter<T = unknown> implements ChannelWriter<T> {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly view: DataView;
  private readonly name: string;
  private readonly segmentSize: number;
  private readonly segmentCount: number;
  private readonly firstSegment: number;
  private readonly modulus: number;
  private readonly wakeInUse: number;
  private readonly maxRecordSize: number;
  private readonly lingerMs: number;

  private state = OPEN;
  /** Our copy of writeIndex; only this writer stores the shared one (I2). */
  private writeIndex: number;
  /** A stale readIndex only under-counts credit, so it is reloaded only when it says "full". */
  private cachedReadIndex: number;
  /** Whether we hold slot `writeIndex mod segmentCount` (a credit taken, not yet published). */
  private hasSegment = false;
  private segmentEnd = 0;
  /** Where the next entry header goes (4 mod 8). */
  private position = 0;
  /** Where the last payload ended: the segment's bytesUsed. */
  private usedEnd = 0;
  private entries = 0;

  private scratch: Uint8Array = new Uint8Array(0);
  private fragmentLength = 0;
  private fragmentOffset = 0;

  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private isLingerArmed = false;

  private recordsOut = 0;
  private segmentsPublished = 0;
  private backpressuredMs = 0;

  constructor(
    handle: ChannelHandle,
    private readonly codec: Codec<T>,
    options: WriterOptions = {},
  ) {
    this.i32 = checkHandle(handle);
    this.u8 = new Uint8Array(handle.sab);
    this.view = new DataView(handle.sab);
    this.name = handle.name;
    this.segmentSize = handle.segmentSize;
    this.segmentCount = handle.segmentCount;
    this.firstSegment = segmentsOffset(handle.segmentCount);
    this.modulus = indexModulus(handle.segmentCount);
    this.wakeInUse = handle.segmentCount - creditWakeThreshold(handle.segmentCount);
    this.maxRecordSize = handle.maxRecordSize;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.writeIndex = Atomics.load(this.i32, WRITE_INDEX);
    this.cachedReadIndex = Atomics.load(this.i32, READ_INDEX);
  }

  write(record: T): Promise<void> | undefined {
    if (this.hasSegment && this.state === OPEN) {
      const start = this.position + ENTRY_HEADER_SIZE;
      if (start <= this.segmentEnd) {
        const end = this.codec.encode(record, this.u8, start, this.segmentEnd);
        if (end >= 0) {
          if (end - start > this.maxRecordSize) return this.refuseEncoded(end - start);
          return this.commitEntry(start, end);
        }
      }
    }
    try {
      return this.writeSlow(record);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Frames the record just encoded into [start, end) of the held segment as a data entry. */
  private commitEntry(start: number, end: number): undefined {
    writeEntryHeader(this.u8, this.position, KIND_DATA, end - start);
    this.usedEnd = end;
    this.position = nextEntryOffset(end);
    this.entries++;
    this.recordsOut++;
    if (!this.isLingerArmed) this.armLinger();
    return undefined;
  }

  /** No segment held, or the record did not fit in what is left of it. */
  private writeSlow(record: T): Promise<void> | undefined {
    this.checkOpen();
    if (this.hasSegment && this.entries > 0) this.publish();
    if (!this.hasSegment) {
      if (!this.tryAcquire()) return this.awaitCredit().then(() => this.writeSlow(record));
      const start = this.position + ENTRY_HEADER_SIZE;
      const end = this.codec.encode(record, this.u8, start, this.segmentEnd);
      if (end >= 0) {
        if (end - start > this.maxRecordSize) return this.refuseEncoded(end - start);
        return this.commitEntry(start, end);
      }
    }
    // It does not fit an empty segment: encode aside, then ship it in pieces.
    this.fragmentLength = this.encodeToScratch(record);
    this.fragmentOffset = 0;
    return this.continueFragments();
  }

  private continueFragments(): Promise<void> | undefined {
    if (this.shipFragments()) return undefined;
    return this.awaitCredit().then(() => this.continueFragments());
  }

  /** Ships the scratch record from fragmentOffset; false when out of credit midway. */
  private shipFragments(): boolean {
    const u8 = this.u8;
    while (this.fragmentOffset < this.fragmentLength) {
      if (!this.hasSegment && !this.tryAcquire()) return false;
      const isHead = this.fragmentOffset === 0;
      const overhead = ENTRY_HEADER_SIZE + (isHead ? FRAGMENT_TOTAL_SIZE : 0);
      const room = this.segmentEnd - this.position - overhead;
      if (room <= 0) {
        this.publish();
        continue;
      }
      const n = Math.min(room, this.fragmentLength - this.fragmentOffset);
      let at = this.position;
      const kind = isHead ? KIND_FRAGMENT_HEAD : KIND_FRAGMENT;
      writeEntryHeader(u8, at, kind, overhead - ENTRY_HEADER_SIZE + n);
      at += ENTRY_HEADER_SIZE;
      if (isHead) {
        writeU32(u8, at, this.fragmentLength);
        writeU32(u8, at + 4, 0);
        at += FRAGMENT_TOTAL_SIZE;
      }
      // Both sides 8-aligned (room is a multiple of 8), so V8 copies by words.
      u8.set(this.scratch.subarray(this.fragmentOffset, this.fragmentOffset + n), at);
      this.usedEnd = at + n;
      this.position = nextEntryOffset(this.usedEnd);
      this.fragmentOffset += n;
      this.entries++;
      if (this.fragmentOffset < this.fragmentLength) this.publish();
    }
    this.recordsOut++;
    if (!this.isLingerArmed) this.armLinger();
    return true;
  }

  /** Returns the encoded length in `scratch`, growing it up to maxRecordSize. */
  private encodeToScratch(record: T): number {
    let size = Math.min(Math.max(this.scratch.length, 2 * this.segmentSize), this.maxRecordSize);
    for (;;) {
      if (this.scratch.length < size) this.scratch = new Uint8Array(size);
      const end = this.codec.encode(record, this.scratch, 0, size);
      if (end >= 0) return end;
      if (size >= this.maxRecordSize) break;
      size = Math.min(size * 2, this.maxRecordSize);
    }
    // Only to name the size in the error: a transient buffer, never kept.
    const probeSize = Math.min(2 * this.maxRecordSize + 1, this.maxRecordSize + 2 ** 26);
    let end = -1;
    try {
      end = this.codec.encode(record, new Uint8Array(probeSize), 0, probeSize);
    } catch {
      // Out of memory for the probe: report the lower bound below.
    }
    if (end >= 0) this.codec.discardLast?.();
    return end >= 0 ? this.throwTooLarge(end) : this.throwTooLarge(probeSize, 'at least');
  }

  /** The record was encoded but is over the limit: its bytes are dropped, so is what they defined. */
  private refuseEncoded(size: number): Promise<never> {
    this.codec.discardLast?.();
    try {
      this.throwTooLarge(size);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private throwTooLarge(size: number, qualifier?: string): never {
    const where = `channel ${this.name}, maxRecordSize${qualifier ? `; encoded size is ${qualifier} ${size} bytes` : ''}`;
    throw new RecordTooLargeError(size, this.maxRecordSize, where);
  }

  /** Takes the next slot if there is credit; never waits. */
  private tryAcquire(): boolean {
    const distance = segmentsBetween(this.writeIndex, this.cachedReadIndex, this.modulus);
    if (distance >= this.segmentCount) {
      // Acquire: pairs with the consumer's store of readIndex, so the slot is truly drained.
      this.cachedReadIndex = Atomics.load(this.i32, READ_INDEX);
      const fresh = segmentsBetween(this.writeIndex, this.cachedReadIndex, this.modulus);
      if (fresh >= this.segmentCount) return false;
    }
    // Checked once per segment, not per record: an abort is noticed within one segment.
    if (Atomics.load(this.i32, ABORT_STATE) === ABORT_DONE) this.failAborted();
    const slot = this.writeIndex % this.segmentCount;
    const segmentStart = this.firstSegment + slot * this.segmentSize;
    this.position = segmentStart + FIRST_ENTRY_OFFSET;
    this.segmentEnd = segmentStart + this.segmentSize;
    this.entries = 0;
    this.hasSegment = true;
    return true;
  }

  private publish(): void {
    const segmentStart = this.segmentEnd - this.segmentSize;
    const header = segmentHeaderOffset(this.writeIndex % this.segmentCount) >> 2;
    const i32 = this.i32;
    i32[header + (SEG_BYTES_USED_OFFSET >> 2)] = this.usedEnd - segmentStart;
    i32[header + (SEG_ENTRY_COUNT_OFFSET >> 2)] = this.entries;
    i32[header + (SEG_PUBLISH_INDEX_OFFSET >> 2)] = this.writeIndex;
    i32[header + (SEG_FLAGS_OFFSET >> 2)] = 0;
    this.writeIndex = nextIndex(this.writeIndex, this.modulus);
    this.hasSegment = false;
    this.segmentsPublished++;
    // Release: the segment bytes and header above are visible before the index (I4).
    Atomics.store(i32, WRITE_INDEX, this.writeIndex);
    unpark(i32, CONSUMER_PARKED, CONSUMER_WAKE);
  }

  private awaitCredit(): Promise<void> {
    const started = performance.now();
    const i32 = this.i32;
    return park(i32, PRODUCER_PARKED, PRODUCER_WAKE, () => {
      if (isAborted(i32)) return true;
      const read = Atomics.load(i32, READ_INDEX);
      // The same threshold the consumer wakes us at (creditWakeThreshold), so we never wait
      // for a wake-up that will not come.
      return segmentsBetween(this.writeIndex, read, this.modulus) <= this.wakeInUse;
    }).then(() => {
      this.backpressuredMs += performance.now() - started;
      if (isAborted(i32)) this.failAborted();
    });
  }

  private armLinger(): void {
    this.isLingerArmed = true;
    if (this.lingerTimer === undefined) {
      this.lingerTimer = setTimeout(() => this.onLinger(), this.lingerMs);
    } else {
      this.lingerTimer.refresh();
    }
  }

  private onLinger(): void {
    this.isLingerArmed = false;
    // Timers run between our synchronous steps, and every await point holds no segment, so a
    // held segment with entries is complete data: safe to publish.
    if (this.state === OPEN && this.hasSegment && this.entries > 0) this.publish();
  }

  flush(): Promise<void> | undefined {
    try {
      this.checkOpen();
      if (isAborted(this.i32)) this.failAborted();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.hasSegment && this.entries > 0) this.publish();
    return undefined;
  }

  async sendEvent(event: Exclude<ControlEvent, { kind: 'abort' }>): Promise<void> {
    this.checkOpen();
    await this.putEvent(event);
  }

  async end(): Promise<void> {
    this.checkOpen();
    await this.putEvent({ kind: 'end' });
    this.state = ENDED;
    this.stopLinger();
  }

  /** Appends the event after the data of the held segment, then publishes it. */
  private async putEvent(event: Exclude<ControlEvent, { kind: 'abort' }>): Promise<void> {
    for (;;) {
      if (isAborted(this.i32)) this.failAborted();
      if (this.hasSegment && this.segmentEnd - this.position >= EVENT_ENTRY_SIZE) {
        const length = encodeEvent(this.view, this.position + ENTRY_HEADER_SIZE, event);
        writeEntryHeader(this.u8, this.position, KIND_EVENT, length);
        this.usedEnd = this.position + ENTRY_HEADER_SIZE + length;
        this.position = nextEntryOffset(this.usedEnd);
        this.entries++;
        this.publish();
        return;
      }
      if (this.hasSegment) this.publish();
      if (!this.tryAcquire()) await this.awaitCredit();
    }
  }

  abort(error: unknown): void {
    if (this.state === ABORTED) return;
    this.state = ABORTED;
    this.stopLinger();
    abortBuffer(this.i32, error, ABORTED_BY_PRODUCER);
  }

  stats(): WriterStats {
    return {
      recordsOut: this.recordsOut,
      segmentsPublished: this.segmentsPublished,
      backpressuredMs: this.backpressuredMs,
    };
  }

  segmentsInUse(): number {
    const read = Atomics.load(this.i32, READ_INDEX);
    return segmentsBetween(this.writeIndex, read, this.modulus);
  }

  private stopLinger(): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.isLingerArmed = false;
  }

  private checkOpen(): void {
    if (this.state === OPEN) return;
    if (this.state === ABORTED || isAborted(this.i32)) this.failAborted();
    throw new ChannelClosedError(`channel ${this.name}: the writer has ended; no more writes`);
  }

  private failAborted(): never {
    this.state = ABORTED;
    this.stopLinger();
    throw abortedError(this.i32, this.name);
  }
}
