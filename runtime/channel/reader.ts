/**
 * The consumer end of a channel. Single consumer: one actor on one thread owns it, and every
 * field below is touched by that thread only (the shared state lives in the buffer).
 *
 * `tryDrain` reads the published segments in place, in order, and returns each segment (one
 * credit) as soon as it is drained, so the producer can refill it while we decode the next.
 * Abort is out of band (abort.ts): it overtakes published data, and it surfaces as a thrown
 * ChannelClosedError, never as an `abort` event passed to `onEvent`.
 */

import type { Codec } from '../codec/types.ts';
import { ChannelClosedError, SluiceError } from '../errors.ts';
import { abortBuffer, abortedError, isAborted } from './abort.ts';
import { checkHandle } from './create.ts';
import { decodeEvent, readEntryHeader, readU32 } from './framing.ts';
import {
  ABORT_DONE,
  ABORT_STATE,
  ABORTED_BY_CONSUMER,
  CONSUMER_PARKED,
  CONSUMER_WAKE,
  creditWakeThreshold,
  ENTRY_HEADER_SIZE,
  FIRST_ENTRY_OFFSET,
  FRAGMENT_TOTAL_SIZE,
  indexModulus,
  KIND_BITS,
  KIND_DATA,
  KIND_EVENT,
  KIND_FRAGMENT,
  KIND_FRAGMENT_HEAD,
  KIND_MASK,
  nextEntryOffset,
  nextIndex,
  PRODUCER_PARKED,
  PRODUCER_WAKE,
  READ_INDEX,
  SEG_BYTES_USED_OFFSET,
  SEG_PUBLISH_INDEX_OFFSET,
  segmentHeaderOffset,
  segmentsBetween,
  segmentsOffset,
  WRITE_INDEX,
} from './layout.ts';
import { park, unpark } from './park.ts';
import type { ChannelHandle, ChannelReader, ControlEvent, ReaderStats } from './types.ts';

const RESOLVED = Promise.resolve();

export class SharedChannelReader<T = unknown> implements ChannelReader<T> {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly view: DataView;
  private readonly name: string;
  private readonly segmentSize: number;
  private readonly segmentCount: number;
  private readonly firstSegment: number;
  private readonly modulus: number;
  /** Wake a parked producer only when at most this many segments remain in use. */
  private readonly wakeInUse: number;

  /** Our copy of readIndex; only this reader stores the shared one (I2). */
  private readIndex: number;
  /** Whether we are inside segment `readIndex` (position and segmentEnd are valid). */
  private isInSegment = false;
  private position = 0;
  private segmentEnd = 0;

  private reassembly: Uint8Array = new Uint8Array(0);
  private reassemblyLength = 0;
  private reassemblyFilled = 0;

  private hasEnded = false;
  private hasAborted = false;

  private recordsIn = 0;
  private segmentsConsumed = 0;
  private idleMs = 0;

  constructor(
    handle: ChannelHandle,
    private readonly codec: Codec<T>,
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
    this.readIndex = Atomics.load(this.i32, READ_INDEX);
  }

  get isEnded(): boolean {
    return this.hasEnded;
  }

  tryDrain(
    onRecord: (record: T) => void,
    onEvent: (event: ControlEvent) => void,
    maxRecords = Number.POSITIVE_INFINITY,
  ): number {
    const i32 = this.i32;
    const u8 = this.u8;
    // Once per drain: an abort overtakes data already published (it is out of band).
    if (this.hasAborted || Atomics.load(i32, ABORT_STATE) === ABORT_DONE) this.failAborted();
    let read = this.readIndex;
    // Acquire: pairs with the producer's store of writeIndex, so those segments are complete (I4).
    let write = Atomics.load(i32, WRITE_INDEX);
    let delivered = 0;
    let records = 0;
    while (read !== write || this.isInSegment) {
      if (!this.isInSegment) this.enterSegment(read);
      let position = this.position;
      const end = this.segmentEnd;
      while (position < end) {
        if (records >= maxRecords) return delivered;
        const header = readEntryHeader(u8, position);
        const start = position + ENTRY_HEADER_SIZE;
        const payloadEnd = start + (header >>> KIND_BITS);
        if (payloadEnd > end) this.failCorrupt(read, start, header >>> KIND_BITS);
        position = nextEntryOffset(payloadEnd);
        // Saved before the callback, so a throwing callback does not replay the entry.
        this.position = position;
        const kind = header & KIND_MASK;
        if (kind === KIND_DATA) {
          records++;
          delivered++;
          this.recordsIn++;
          onRecord(this.codec.decode(u8, start, payloadEnd - start));
        } else if (kind === KIND_EVENT) {
          delivered++;
          const event = decodeEvent(this.view, start);
          if (event.kind === 'end') this.hasEnded = true;
          onEvent(event);
        } else if (this.reassemble(kind, start, payloadEnd)) {
          records++;
          delivered++;
          this.recordsIn++;
          onRecord(this.codec.decode(this.reassembly, 0, this.reassemblyLength));
        }
      }
      // Drained: hand the slot back (one credit) before decoding the next segment.
      this.isInSegment = false;
      read = nextIndex(read, this.modulus);
      this.readIndex = read;
      this.segmentsConsumed++;
      // Release: our reads of the slot happen before the producer may overwrite it (I3).
      Atomics.store(i32, READ_INDEX, read);
      // A stale `write` only under-counts segments in use, which wakes the producer early
      // (it re-checks and parks again), never late.
      if (segmentsBetween(write, read, this.modulus) <= this.wakeInUse) {
        unpark(i32, PRODUCER_PARKED, PRODUCER_WAKE);
      }
      if (read === write) write = Atomics.load(i32, WRITE_INDEX);
    }
    return delivered;
  }

  private enterSegment(read: number): void {
    const slot = read % this.segmentCount;
    const header = segmentHeaderOffset(slot) >> 2;
    const used = this.i32[header + (SEG_BYTES_USED_OFFSET >> 2)]!;
    const publishIndex = this.i32[header + (SEG_PUBLISH_INDEX_OFFSET >> 2)];
    if (publishIndex !== read || used < 0 || used > this.segmentSize) {
      throw new SluiceError(
        `corrupt channel ${this.name}: segment ${slot} holds publication ${publishIndex} ` +
          `with ${used} bytes, expected publication ${read} with at most ${this.segmentSize} bytes`,
      );
    }
    const segmentStart = this.firstSegment + slot * this.segmentSize;
    this.position = segmentStart + FIRST_ENTRY_OFFSET;
    this.segmentEnd = segmentStart + used;
    this.isInSegment = true;
  }

  /** Copies one fragment aside; true when it completes a record. */
  private reassemble(kind: number, start: number, end: number): boolean {
    let from = start;
    if (kind === KIND_FRAGMENT_HEAD) {
      const total = readU32(this.u8, start);
      from += FRAGMENT_TOTAL_SIZE;
      if (this.reassembly.length < total) this.reassembly = new Uint8Array(total);
      this.reassemblyLength = total;
      this.reassemblyFilled = 0;
    } else if (kind !== KIND_FRAGMENT || this.reassemblyFilled >= this.reassemblyLength) {
      this.failCorrupt(this.readIndex, start, end - start);
    }
    const n = end - from;
    if (this.reassemblyFilled + n > this.reassemblyLength) {
      this.failCorrupt(this.readIndex, start, end - start);
    }
    this.reassembly.set(this.u8.subarray(from, end), this.reassemblyFilled);
    this.reassemblyFilled += n;
    return this.reassemblyFilled === this.reassemblyLength;
  }

  whenReadable(): Promise<void> {
    if (this.isReadable()) return RESOLVED;
    const started = performance.now();
    return park(this.i32, CONSUMER_PARKED, CONSUMER_WAKE, () => this.isReadable()).then(() => {
      this.idleMs += performance.now() - started;
    });
  }

  private isReadable(): boolean {
    return (
      this.isInSegment ||
      this.hasEnded ||
      this.hasAborted ||
      isAborted(this.i32) ||
      Atomics.load(this.i32, WRITE_INDEX) !== this.readIndex
    );
  }

  abort(error: unknown): void {
    if (this.hasAborted) return;
    this.hasAborted = true;
    abortBuffer(this.i32, error, ABORTED_BY_CONSUMER);
  }

  stats(): ReaderStats {
    return {
      recordsIn: this.recordsIn,
      segmentsConsumed: this.segmentsConsumed,
      idleMs: this.idleMs,
    };
  }

  private failAborted(): never {
    this.hasAborted = true;
    if (isAborted(this.i32)) throw abortedError(this.i32, this.name);
    // We claimed the abort ourselves and another side's message is not involved.
    throw new ChannelClosedError(`channel ${this.name} was aborted by the consumer`, {
      aborted: true,
    });
  }

  private failCorrupt(read: number, offset: number, length: number): never {
    throw new SluiceError(
      `corrupt channel ${this.name}: entry of ${length} bytes at byte ${offset} overruns ` +
        `publication ${read}`,
    );
  }
}
