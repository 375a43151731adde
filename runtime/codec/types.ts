/**
 * The codec contract: records are encoded straight into channel segments.
 *
 * A codec is created once per channel end (one on the producer thread, one on the consumer
 * thread) from the same plain-data `CodecSpec`, so both ends agree without sharing objects.
 * Codecs may keep state across calls (msgpackr shared structures); the channel guarantees
 * the consumer decodes records in exactly the order the producer encoded them, and that a
 * record whose `encode` returned -1 is encoded again later (from the start) with no
 * decode in between.
 */

/** Column types of the schema-aware fast path. Every column is nullable. */
export type ColumnType =
  | 'int'
  | 'bigint'
  | 'double'
  | 'boolean'
  | 'text'
  | 'timestamp'
  | 'uuid'
  | 'blob';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** Plain data, safe to send across threads. */
export type CodecSpec = { kind: 'row'; columns: ColumnSpec[] } | { kind: 'general' };

export interface Codec<T = unknown> {
  /**
   * Encode `value` into `buf[offset, end)`. Returns the offset just past the encoding, or -1
   * when it does not fit (the bytes in the range may then hold garbage). Throws `CodecError`
   * for a value the codec cannot represent (wrong type for a column, a function, …).
   */
  encode(value: T, buf: Uint8Array, offset: number, end: number): number;
  /** Decode the value encoded in exactly `buf[offset, offset + length)`. */
  decode(buf: Uint8Array, offset: number, length: number): T;
  /**
   * The last successful `encode` will never reach the decoder (the writer refused the record
   * as too large). A codec that keeps state across records (shape definitions) must forget
   * what that encoding defined, so that the next records decode.
   */
  discardLast?(): void;
}
