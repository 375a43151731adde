/**
 * A codec for raw byte payloads (Uint8Array). The channel frames records, so the encoding is
 * the bytes themselves, with no length prefix. Used by the channel's tests and the bytes
 * benchmark; it is not a CodecSpec kind, so it is not built by `createCodec`.
 */

import type { Codec } from '../codec/types.ts';
import { CodecError } from '../errors.ts';

function encode(value: Uint8Array, buf: Uint8Array, offset: number, end: number): number {
  if (!(value instanceof Uint8Array)) {
    throw new CodecError(`bytes codec: expected a Uint8Array, got ${typeof value}`);
  }
  const next = offset + value.length;
  if (next > end) return -1;
  buf.set(value, offset);
  return next;
}

/** Decodes to a copy: the record stays valid after the segment is handed back. */
export const bytesCodec: Codec<Uint8Array> = {
  encode,
  decode: (buf, offset, length) => buf.slice(offset, offset + length),
};

/**
 * Decodes to a view of the segment, with no copy: the record is valid only until the
 * `onRecord` callback returns (the slot is then reused). For consumers that copy or parse
 * the bytes at once.
 */
export const bytesViewCodec: Codec<Uint8Array> = {
  encode,
  decode: (buf, offset, length) => buf.subarray(offset, offset + length),
};
