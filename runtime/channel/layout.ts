/**
 * THE memory layout of a channel: one SharedArrayBuffer, one producer thread, one consumer
 * thread (roles never change), plus an optional third party (the runtime's main thread) that
 * may only abort.
 *
 * Header (4096 bytes; every field an Int32 word, so Atomics work on all of them)
 *
 * | offset | field                | written by          | read by        | notes                                             |
 * |-------:|----------------------|---------------------|----------------|---------------------------------------------------|
 * |      0 | magic                | createChannel       | everyone       | LAYOUT_MAGIC; rejects a foreign buffer            |
 * |      4 | segmentSize          | createChannel       | everyone       | immutable                                         |
 * |      8 | segmentCount         | createChannel       | everyone       | immutable                                         |
 * |     12 | abortState           | any side (CAS)      | everyone       | ABORT_OPEN → ABORT_CLAIMED → ABORT_DONE, no way back |
 * |     16 | abortedBy            | the abort claimant  | everyone       | ABORTED_BY_*; valid once abortState = ABORT_DONE  |
 * |     20 | abortMessageLength   | the abort claimant  | everyone       | bytes of JSON in the abort message area           |
 * |     64 | writeIndex           | producer            | consumer       | free-running modulo indexModulus (own cache line) |
 * |     68 | producerParked       | producer (1), consumer (0) | consumer | set before a credit wait re-check |
 * |     72 | consumerWake         | producer, aborter   | consumer waits | bumped + notified to wake a parked consumer       |
 * |    128 | readIndex            | consumer            | producer       | free-running modulo indexModulus (own cache line) |
 * |    132 | consumerParked       | consumer (1), producer (0) | producer | set before a data wait re-check |
 * |    136 | producerWake         | consumer, aborter   | producer waits | bumped + notified to wake a parked producer       |
 * |    192 | abort message area   | the abort claimant  | everyone       | ABORT_MESSAGE_CAPACITY bytes of SerializedError JSON |
 *
 * Then one segment header per segment (SEGMENT_HEADER_SIZE bytes each, at SEGMENT_TABLE_OFFSET):
 *
 * | offset | field         | written by | read by  | notes                                                    |
 * |-------:|---------------|------------|----------|----------------------------------------------------------|
 * |      0 | bytesUsed     | producer   | consumer | from the segment start to the end of the last payload    |
 * |      4 | entryCount    | producer   | consumer | data, fragment and event entries                         |
 * |      8 | publishIndex  | producer   | consumer | writeIndex at publication; the consumer checks it        |
 * |     12 | flags         | producer   | consumer | reserved, 0                                              |
 *
 * Then the segments, each `segmentSize` bytes, from `segmentsOffset(count)` (64-byte aligned),
 * then GUARD_SIZE bytes of GUARD_BYTE that nobody writes after creation (a canary for tests).
 *
 * Inside a segment, the first entry starts at FIRST_ENTRY_OFFSET (4) and every entry takes
 * `align8(4 + payloadLength)` bytes, so every payload starts 8-byte aligned: V8 copies
 * between a SharedArrayBuffer and another buffer word by word only when both sides share
 * their alignment, and byte by byte otherwise (measured 10x slower on 32 KiB payloads).
 * Padding is never written. Each entry is a 4-byte little-endian header
 * `(payloadLength << 2) | kind`, then the payload:
 * - DATA: one encoded record;
 * - FRAGMENT_HEAD: u32 total record length, u32 zero, then the first bytes of a record larger
 *   than a segment; FRAGMENT entries carry the rest, in the following segments, in order;
 * - EVENT: a control event (see framing.ts).
 * bytesUsed ends at the last payload's last byte (its padding is not counted).
 *
 * Invariants
 * - I1 0 ≤ (writeIndex − readIndex) mod indexModulus ≤ segmentCount.
 * - I2 only the producer stores writeIndex; only the consumer stores readIndex.
 * - I3 segment slot `i mod segmentCount` belongs to the producer for i in [writeIndex,
 *   readIndex + segmentCount) and to the consumer for i in [readIndex, writeIndex).
 * - I4 a segment's header and bytes are written before the Atomics.store of writeIndex that
 *   publishes it, and read after the Atomics.load that observes it (seq-cst: release/acquire).
 * - I5 abortState only moves forward; the message area is written once, by the side whose CAS
 *   moved it to ABORT_CLAIMED, before it stores ABORT_DONE.
 * - I6 a side that parks stores its parked flag, then re-checks the condition, then waits on
 *   its wake word with the value read before the flag; a side that changes the condition
 *   stores first, then reads the flag (Dekker): one of the two always sees the other.
 * - I7 segment sizes are multiples of ENTRY_ALIGN and the buffer stays under 2 GiB, so entry
 *   arithmetic fits in int32 bit operations.
 * - I8 a producer parked for credit waits until at most segmentCount − creditWakeThreshold
 *   segments are in use, and the consumer wakes it exactly then (credit in batches).
 *
 * Indices are free-running: there is no wasted slot, full is `write − read = segmentCount`.
 * They wrap at indexModulus, a multiple of segmentCount, so `index mod segmentCount` stays
 * continuous across the wrap, and far above 2 × segmentCount, so I1 is never ambiguous.
 */

export const LAYOUT_MAGIC = 0x534c4331; // "SLC1"

// Header fields: byte offsets.
export const MAGIC_OFFSET = 0;
export const SEGMENT_SIZE_OFFSET = 4;
export const SEGMENT_COUNT_OFFSET = 8;
export const ABORT_STATE_OFFSET = 12;
export const ABORTED_BY_OFFSET = 16;
export const ABORT_MESSAGE_LENGTH_OFFSET = 20;

/** Producer-written words get their own cache line, apart from consumer-written ones. */
export const CACHE_LINE = 64;
export const WRITE_INDEX_OFFSET = CACHE_LINE;
export const PRODUCER_PARKED_OFFSET = WRITE_INDEX_OFFSET + 4;
export const CONSUMER_WAKE_OFFSET = WRITE_INDEX_OFFSET + 8;

export const READ_INDEX_OFFSET = 2 * CACHE_LINE;
export const CONSUMER_PARKED_OFFSET = READ_INDEX_OFFSET + 4;
export const PRODUCER_WAKE_OFFSET = READ_INDEX_OFFSET + 8;

export const ABORT_MESSAGE_OFFSET = 3 * CACHE_LINE;
export const HEADER_SIZE = 4096;
export const ABORT_MESSAGE_CAPACITY = HEADER_SIZE - ABORT_MESSAGE_OFFSET;

// Header fields as Int32Array indices, for Atomics.
export const MAGIC = MAGIC_OFFSET >> 2;
export const SEGMENT_SIZE = SEGMENT_SIZE_OFFSET >> 2;
export const SEGMENT_COUNT = SEGMENT_COUNT_OFFSET >> 2;
export const ABORT_STATE = ABORT_STATE_OFFSET >> 2;
export const ABORTED_BY = ABORTED_BY_OFFSET >> 2;
export const ABORT_MESSAGE_LENGTH = ABORT_MESSAGE_LENGTH_OFFSET >> 2;
export const WRITE_INDEX = WRITE_INDEX_OFFSET >> 2;
export const PRODUCER_PARKED = PRODUCER_PARKED_OFFSET >> 2;
export const CONSUMER_WAKE = CONSUMER_WAKE_OFFSET >> 2;
export const READ_INDEX = READ_INDEX_OFFSET >> 2;
export const CONSUMER_PARKED = CONSUMER_PARKED_OFFSET >> 2;
export const PRODUCER_WAKE = PRODUCER_WAKE_OFFSET >> 2;

// abortState values.
export const ABORT_OPEN = 0;
export const ABORT_CLAIMED = 1;
export const ABORT_DONE = 2;

// abortedBy values.
export const ABORTED_BY_PRODUCER = 1;
export const ABORTED_BY_CONSUMER = 2;
export const ABORTED_BY_RUNTIME = 3;

// Segment table.
export const SEGMENT_TABLE_OFFSET = HEADER_SIZE;
export const SEGMENT_HEADER_SIZE = 16;
export const SEG_BYTES_USED_OFFSET = 0;
export const SEG_ENTRY_COUNT_OFFSET = 4;
export const SEG_PUBLISH_INDEX_OFFSET = 8;
export const SEG_FLAGS_OFFSET = 12;

// Entries.
export const ENTRY_HEADER_SIZE = 4;
export const KIND_DATA = 0;
export const KIND_FRAGMENT_HEAD = 1;
export const KIND_FRAGMENT = 2;
export const KIND_EVENT = 3;
export const KIND_BITS = 2;
export const KIND_MASK = (1 << KIND_BITS) - 1;
/** The u32 total length (and u32 zero) that opens a FRAGMENT_HEAD payload. */
export const FRAGMENT_TOTAL_SIZE = 8;
export const ENTRY_ALIGN = 8;
/** Where a segment's first entry header starts, so that its payload is 8-byte aligned. */
export const FIRST_ENTRY_OFFSET = ENTRY_ALIGN - ENTRY_HEADER_SIZE;

/**
 * Where the next entry header starts, given where the previous payload ended. Entries start
 * at 4 mod 8 (segments start 64-aligned), so payloads start at 0 mod 8.
 */
export function nextEntryOffset(payloadEnd: number): number {
  return ((payloadEnd + ENTRY_HEADER_SIZE - 1) & ~(ENTRY_ALIGN - 1)) + FIRST_ENTRY_OFFSET;
}

export const GUARD_SIZE = CACHE_LINE;
export const GUARD_BYTE = 0xa5;

// Limits.
/** Room for a few entry headers and the largest event. */
export const MIN_SEGMENT_SIZE = 64;
/** The payload length must fit the 30 bits of an entry header (and stay a multiple of 8). */
export const MAX_SEGMENT_SIZE = 2 ** 30 - ENTRY_ALIGN;
/** The whole buffer, so that offsets stay in int32 range (I7). */
export const MAX_CHANNEL_BYTES = 2 ** 31 - 1;
export const MAX_SEGMENT_COUNT = 2 ** 20;
/** The fragment total is a u32; 1 GiB is also V8's practical typed array ceiling. */
export const MAX_RECORD_SIZE = 2 ** 30;

/**
 * A producer parked for credit is woken once this many segments are free, not at the first
 * one: a wake-up costs tens of microseconds on both sides, so credit is granted in batches
 * (as Flink announces credit). Both sides derive it from segmentCount, so they agree.
 */
export function creditWakeThreshold(segmentCount: number): number {
  return Math.max(1, segmentCount >> 1);
}

/** Byte offset of segment `slot`'s header in the segment table. */
export function segmentHeaderOffset(slot: number): number {
  return SEGMENT_TABLE_OFFSET + slot * SEGMENT_HEADER_SIZE;
}

/** Byte offset of the first segment: after the table, rounded up to a cache line. */
export function segmentsOffset(segmentCount: number): number {
  const end = SEGMENT_TABLE_OFFSET + segmentCount * SEGMENT_HEADER_SIZE;
  return Math.ceil(end / CACHE_LINE) * CACHE_LINE;
}

/** Byte offset of segment `slot`'s bytes. */
export function segmentOffset(segmentSize: number, segmentCount: number, slot: number): number {
  return segmentsOffset(segmentCount) + slot * segmentSize;
}

/** Byte offset of the trailing guard. */
export function guardOffset(segmentSize: number, segmentCount: number): number {
  return segmentsOffset(segmentCount) + segmentSize * segmentCount;
}

/** The SharedArrayBuffer's size in bytes. */
export function channelByteLength(segmentSize: number, segmentCount: number): number {
  return guardOffset(segmentSize, segmentCount) + GUARD_SIZE;
}

/** Where free-running indices wrap: the largest multiple of segmentCount up to 2^30. */
export function indexModulus(segmentCount: number): number {
  return segmentCount * Math.floor(2 ** 30 / segmentCount);
}

/** The index after `index`, modulo `modulus` (I1's indices are free-running modulo indexModulus). */
export function nextIndex(index: number, modulus: number): number {
  return index + 1 === modulus ? 0 : index + 1;
}

/** Segments from `read` to `write`: those published and not yet returned (I1). */
export function segmentsBetween(write: number, read: number, modulus: number): number {
  return (write - read + modulus) % modulus;
}
