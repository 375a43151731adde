/**
 * Typed CSV columns: text in a file to the values the codec's row fast path and the Cassandra
 * connector expect, and back. One mapping per `ColumnType`:
 *
 * | type      | value         | read from text                              | written as          |
 * |-----------|---------------|---------------------------------------------|---------------------|
 * | int       | number        | decimal integer in the signed 32-bit range  | decimal             |
 * | bigint    | bigint        | decimal integer in the signed 64-bit range  | decimal             |
 * | double    | number        | any JavaScript number literal, NaN, Infinity| shortest round trip |
 * | boolean   | boolean       | true/false/1/0, any case                    | true / false        |
 * | text      | string        | as is                                       | as is               |
 * | timestamp | Date          | ISO 8601, or integer milliseconds since 1970| ISO 8601            |
 * | uuid      | string        | 8-4-4-4-12 hex digits, lower-cased          | as is               |
 * | blob      | Uint8Array    | 0x-prefixed hex (cqlsh) or base64 (DSBulk)  | base64; empty: 0x   |
 *
 * A field equal to `nullValue` (default: the empty field) is `null` in every typed column, so
 * with the default an empty text and a null text both read back as null.
 */

import type { ColumnType } from '../../runtime/codec/types.ts';

export const columnTypes: readonly ColumnType[] = [
  'int',
  'bigint',
  'double',
  'boolean',
  'text',
  'timestamp',
  'uuid',
  'blob',
];

/** Returns the value, or throws a plain `Error` whose message says what is wrong. */
export type FieldConverter = (text: string) => unknown;

const INTEGER = /^[+-]?\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^0x(?:[0-9a-f]{2})*$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function bad(type: ColumnType, text: string): Error {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new Error(`${JSON.stringify(shown)} is not a valid ${type}`);
}

const parsers: Record<ColumnType, FieldConverter> = {
  int(text) {
    const n = Number(text);
    if (!INTEGER.test(text) || n < -2147483648 || n > 2147483647) throw bad('int', text);
    return n;
  },
  bigint(text) {
    if (!INTEGER.test(text)) throw bad('bigint', text);
    const n = BigInt(text);
    if (n < INT64_MIN || n > INT64_MAX) throw bad('bigint', text);
    return n;
  },
  double(text) {
    const n = Number(text);
    // Number('') and Number(' ') are 0; only NaN spelled out may be NaN.
    if (text.trim() === '' || (Number.isNaN(n) && text !== 'NaN')) throw bad('double', text);
    return n;
  },
  boolean(text) {
    const t = text.toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
    throw bad('boolean', text);
  },
  text: (text) => text,
  timestamp(text) {
    const date = INTEGER.test(text) ? new Date(Number(text)) : new Date(text);
    if (Number.isNaN(date.getTime())) throw bad('timestamp', text);
    return date;
  },
  uuid(text) {
    if (!UUID.test(text)) throw bad('uuid', text);
    return text.toLowerCase();
  },
  blob(text) {
    let buf: Buffer;
    if (HEX.test(text)) buf = Buffer.from(text.slice(2), 'hex');
    else if (BASE64.test(text)) buf = Buffer.from(text, 'base64');
    else throw bad('blob', text);
    // A plain Uint8Array, not a Buffer view into Node's pool: it crosses threads as itself.
    return new Uint8Array(buf);
  },
};

export function fieldParser(type: ColumnType, nullValue: string): FieldConverter {
  const parse = parsers[type];
  return (text) => (text === nullValue ? null : parse(text));
}

/** The text a value is written as; `null` and `undefined` become `nullValue`. */
export function formatField(value: unknown, nullValue: string): string {
  if (value === null || value === undefined) return nullValue;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) {
    // Empty base64 is the empty field, which reads back as null: write empty hex instead.
    if (value.length === 0) return '0x';
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  return JSON.stringify(value, jsonReplacer);
}

/** JSON has no bigint and no bytes: write them as a decimal string and as base64. */
export function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  // A Buffer's toJSON has already run when the replacer sees `value`: look at the original.
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) {
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  }
  return value;
}
