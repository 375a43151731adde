/**
 * The general path: any structured-clonable value, through msgpackr with record structures.
 *
 * Repeated object shapes are cheap because msgpackr's `sequential` mode defines a shape once,
 * in the stream, the first time it is used, and refers to it by a one-byte id afterwards.
 * That makes the encoder and the decoder stateful and requires that the decoder sees every
 * encoded record, in order. The channel guarantees the order; this file guarantees that no
 * definition is lost:
 *
 * - `encode` returning -1: msgpackr has already recorded any new shape as sent. The encoded
 *   bytes are kept and written verbatim when the same value is encoded again (the channel
 *   retries with the same record). If a different value comes instead, the encoder is
 *   replaced by a fresh one, which defines every shape again before using it.
 * - `encode` throwing: the shapes defined so far by that attempt never reach the decoder, so
 *   the encoder is replaced too.
 *
 * What round-trips exactly: null, undefined (also as a property value or array element),
 * booleans, numbers including NaN, ±Infinity and -0, strings (a lone surrogate becomes U+FFFD,
 * as with TextEncoder, in values and in keys), bigints of any sign up to about 1000 bits (msgpackr's bigint
 * extension beyond int64), Date (also invalid ones), Uint8Array and Buffer (both decode as a
 * fresh Uint8Array), other typed arrays, Map, Set, Error, RegExp, arrays and plain objects.
 * Class instances and null-prototype objects decode as plain objects. Not supported: cyclic or shared references
 * (cycles fail with CodecError), array holes (decode as undefined), symbols and functions
 * (CodecError).
 */

import { addExtension, type Options, Packr, Unpackr } from 'msgpackr';
import { CodecError } from '../errors.ts';
import * as bytes from './bytes.ts';
import { describeValue } from './columns.ts';
import type { Codec } from './types.ts';

const PACKR_OPTIONS: Options = {
  sequential: true,
  moreTypes: true,
  useBigIntExtension: true,
  int64AsType: 'bigint',
  // Plain objects always travel as records, so a msgpack map can only come from a Map.
  mapsAsObjects: false,
  // Decoded bytes must not alias the scratch buffer.
  copyBuffers: true,
  // Declared without parameters in msgpackr's types, but called with the function.
  writeFunction(...args: unknown[]): never {
    throw new CodecError(`general codec cannot encode a function (${describeValue(args[0])})`);
  },
};

/**
 * Two things msgpackr does not carry as they are, so values holding them are rewritten first:
 * - -0, written as the integer 0. It is replaced by a marker that a private extension carries
 *   and decodes back to -0. The extension is registered at import, in msgpackr's global table,
 *   so the codecs on both threads understand it.
 * - strings with lone surrogates, which msgpackr writes as WTF-8 when short (they decode as
 *   three U+FFFD) and as U+FFFD when long. They are made well-formed first, so every string
 *   behaves as with TextEncoder: each lone surrogate becomes one U+FFFD, as in the row codec.
 * The scan costs one pass over the value; the copy is made only when the scan finds something.
 */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();
const NEGATIVE_ZERO_EXT = 0x2d;
addExtension({
  Class: NegativeZero,
  type: NEGATIVE_ZERO_EXT,
  write: () => 0,
  read: () => -0,
});

/** Deep enough for any real record; stops the scan (not the encoding) of cyclic values. */
const MAX_SCAN_DEPTH = 256;

function isNegativeZero(v: unknown): boolean {
  return v === 0 && 1 / (v as number) < 0;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** ES2024 string methods (Node 20 has them; the project's TypeScript lib is ES2023). */
interface Es2024String {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
const isWellFormed = (s: string) => (s as unknown as Es2024String).isWellFormed();
const toWellFormed = (s: string) => (s as unknown as Es2024String).toWellFormed();

function needsRewrite(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return !isWellFormed(v);
  if (typeof v === 'number') return isNegativeZero(v);
  if (typeof v !== 'object' || v === null || depth > MAX_SCAN_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (needsRewrite(v[i], depth + 1)) return true;
    return false;
  }
  if (isPlainObject(v)) {
    for (const key in v) {
      if (!isWellFormed(key) || needsRewrite(v[key], depth + 1)) return true;
    }
    return false;
  }
  if (v instanceof Map) {
    for (const [key, entry] of v) {
      if (needsRewrite(key, depth + 1) || needsRewrite(entry, depth + 1)) return true;
    }
    return false;
  }
  if (v instanceof Set) {
    for (const entry of v) if (needsRewrite(entry, depth + 1)) return true;
  }
  return false;
}

function rewrite(v: unknown): unknown {
  if (typeof v === 'string') return toWellFormed(v);
  if (typeof v === 'number') return isNegativeZero(v) ? NEGATIVE_ZERO : v;
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(rewrite);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const key in v) {
      // defineProperty: a `__proto__` key must stay a key.
      Object.defineProperty(out, toWellFormed(key), {
        value: rewrite(v[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (v instanceof Map)
    return new Map([...v].map(([key, entry]) => [rewrite(key), rewrite(entry)]));
  if (v instanceof Set) return new Set([...v].map(rewrite));
  return v;
}

// A local copy: when tsx compiles this module to CommonJS (a require from a CommonJS entry),
// each use of an imported binding becomes a getter call.
const putBytes = bytes.putBytes;
const NO_VALUE = Symbol('no pending value');
const MAX_KEPT_SCRATCH = 1 << 20;

export class GeneralCodec implements Codec<unknown> {
  // Producer-side state.
  private packr = new Packr({ ...PACKR_OPTIONS });
  /** The record whose encoding did not fit, and its bytes (already counted as sent by msgpackr). */
  private pendingValue: unknown = NO_VALUE;
  private pendingBytes: Uint8Array | undefined;

  // Consumer-side state.
  // The constructors mutate their options (the Unpackr adds a `structures` array), so each
  // gets its own copy: a shared array would let the two ends agree by accident.
  private readonly unpackr = new Unpackr({ ...PACKR_OPTIONS });
  /**
   * Unshared copy of the record being decoded: msgpackr's native string extractor refuses
   * SharedArrayBuffer memory, and a copy of a small record costs less than the JS fallback.
   */
  private scratch = new Uint8Array(4096);

  encode(value: unknown, buf: Uint8Array, offset: number, end: number): number {
    let bytes: Uint8Array;
    if (this.pendingBytes !== undefined && this.pendingValue === value) {
      bytes = this.pendingBytes;
    } else {
      if (this.pendingBytes !== undefined) this.resetEncoder();
      bytes = this.pack(value);
    }
    if (bytes.length > end - offset) {
      if (bytes !== this.pendingBytes) {
        this.pendingValue = value;
        // msgpackr reuses its output buffer on the next pack.
        this.pendingBytes = bytes.slice();
      }
      return -1;
    }
    putBytes(bytes, buf, offset);
    this.pendingValue = NO_VALUE;
    this.pendingBytes = undefined;
    return offset + bytes.length;
  }

  decode(buf: Uint8Array, offset: number, length: number): unknown {
    let scratch = this.scratch;
    if (scratch.length < length) {
      scratch = new Uint8Array(Math.max(length, scratch.length * 2));
      // One huge record should not pin its size for the life of the channel.
      if (scratch.length <= MAX_KEPT_SCRATCH) this.scratch = scratch;
    }
    if (length <= 64) {
      for (let i = 0; i < length; i++) scratch[i] = buf[offset + i]!;
    } else {
      scratch.set(buf.subarray(offset, offset + length));
    }
    try {
      return this.unpackr.unpack(scratch, { start: 0, end: length });
    } catch (error) {
      throw new CodecError(
        `general codec could not decode a ${length}-byte record: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private pack(value: unknown): Uint8Array {
    try {
      return this.packr.pack(needsRewrite(value, 0) ? rewrite(value) : value) as Uint8Array;
    } catch (error) {
      this.resetEncoder();
      if (error instanceof CodecError) throw error;
      const reason =
        error instanceof RangeError && /call stack/i.test(error.message)
          ? 'it is nested too deeply or cyclic'
          : (error as Error).message;
      throw new CodecError(`general codec cannot encode ${describeValue(value)}: ${reason}`, {
        cause: error,
      });
    }
  }

  discardLast(): void {
    this.resetEncoder();
  }

  /** A fresh encoder redefines every shape before use, so the decoder cannot be left behind. */
  private resetEncoder(): void {
    this.packr = new Packr({ ...PACKR_OPTIONS });
    this.pendingValue = NO_VALUE;
    this.pendingBytes = undefined;
  }
}

export function createGeneralCodec(): Codec<unknown> {
  return new GeneralCodec();
}
