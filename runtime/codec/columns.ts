/**
 * One encoder and one decoder per column type of the row codec (see `row.ts` for the layout).
 *
 * Encoders: `(value, buf, p, end, column) => next offset | -1`, for a non-null value; they
 * check the value's type first and throw `CodecError` naming the column.
 * Decoders: `(buf, p, end) => value`, leaving the next offset in `cursor.p`.
 */

import { CodecError } from '../errors.ts';
import * as bytes from './bytes.ts';

// When tsx compiles this module to CommonJS (a require from a CommonJS entry), each use of an
// imported binding becomes a getter call: a quarter of decode time in a profile. Local copies
// cost nothing under ESM and avoid that.
const {
  copyBytes,
  cursor,
  putBytes,
  readBigInt64,
  readFloat64,
  readInt32,
  readUtf8,
  readVarint,
  varintWidth,
  writeBigInt64,
  writeFloat64,
  writeInt32,
  writeSafeIntAsInt64,
  writeText,
  writeVarint,
} = bytes;

import type { ColumnSpec, ColumnType } from './types.ts';

export type ColumnEncoder = (
  value: unknown,
  buf: Uint8Array,
  p: number,
  end: number,
  column: ColumnSpec,
) => number;
export type ColumnDecoder = (buf: Uint8Array, p: number, end: number) => unknown;

const EXPECTED: Record<ColumnType, string> = {
  int: 'an integer number in int32 range',
  bigint: 'a bigint in int64 range or a safe-integer number',
  double: 'a number',
  boolean: 'a boolean',
  text: 'a string',
  timestamp: 'a valid Date',
  uuid: 'a UUID string (8-4-4-4-12 hex digits)',
  blob: 'a Uint8Array or Buffer',
};

const MAX_SHOWN = 40;

/** A short, bounded rendering of an offending value for error messages. */
export function describeValue(value: unknown): string {
  let type: string = typeof value;
  let shown: string;
  if (value instanceof Date) {
    type = 'Date';
    shown = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  } else if (value instanceof Uint8Array) {
    type = value.constructor.name;
    shown = `length ${value.length}`;
  } else if (typeof value === 'string') {
    return `string ${JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value)}`;
  } else if (typeof value === 'bigint') {
    shown = `${value}n`;
  } else if (typeof value === 'function') {
    shown = value.name || '(anonymous)';
  } else if (typeof value === 'object' && value !== null) {
    type = value.constructor?.name ?? 'object';
    // Only small values are rendered: an error path must not stringify a huge one.
    const size = Array.isArray(value) ? value.length : Object.keys(value).length;
    if (size > 16) return `${type} of ${size} ${Array.isArray(value) ? 'elements' : 'keys'}`;
    try {
      shown = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? '';
    } catch {
      shown = '(not printable)';
    }
  } else {
    shown = String(value);
  }
  if (shown.length > MAX_SHOWN) shown = `${shown.slice(0, MAX_SHOWN)}…`;
  return `${type} ${shown}`;
}

export function wrongType(column: ColumnSpec, value: unknown): CodecError {
  return new CodecError(
    `column "${column.name}" (${column.type}) expects ${EXPECTED[column.type]}, got ${describeValue(value)}`,
    { details: { column: column.name, type: column.type } },
  );
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const encodeInt: ColumnEncoder = (v, buf, p, end, column) => {
  if (typeof v !== 'number' || (v | 0) !== v) throw wrongType(column, v);
  if (p + 4 > end) return -1;
  writeInt32(v, buf, p);
  return p + 4;
};

const encodeBigint: ColumnEncoder = (v, buf, p, end, column) => {
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) throw wrongType(column, v);
    if (p + 8 > end) return -1;
    writeBigInt64(v, buf, p);
    return p + 8;
  }
  if (!Number.isSafeInteger(v)) throw wrongType(column, v);
  if (p + 8 > end) return -1;
  writeSafeIntAsInt64(v as number, buf, p);
  return p + 8;
};

const encodeDouble: ColumnEncoder = (v, buf, p, end, column) => {
  if (typeof v !== 'number') throw wrongType(column, v);
  if (p + 8 > end) return -1;
  writeFloat64(v, buf, p);
  return p + 8;
};

const encodeBoolean: ColumnEncoder = (v, buf, p, end, column) => {
  if (typeof v !== 'boolean') throw wrongType(column, v);
  if (p >= end) return -1;
  buf[p] = v ? 1 : 0;
  return p + 1;
};

const encodeText: ColumnEncoder = (v, buf, p, end, column) => {
  if (typeof v !== 'string') throw wrongType(column, v);
  return writeText(v, buf, p, end);
};

const encodeTimestamp: ColumnEncoder = (v, buf, p, end, column) => {
  if (!(v instanceof Date)) throw wrongType(column, v);
  const ms = v.getTime();
  if (Number.isNaN(ms)) throw wrongType(column, v);
  if (p + 8 > end) return -1;
  writeFloat64(ms, buf, p);
  return p + 8;
};

// ASCII code -> hex digit value, -1 for anything else.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}
const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(i.toString(16).padStart(2, '0'));
/** Start of each byte's two hex digits in the canonical 36-character form. */
const UUID_DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? HEX_VALUE[c]! : -1;
}

const encodeUuid: ColumnEncoder = (v, buf, p, end, column) => {
  if (
    typeof v !== 'string' ||
    v.length !== 36 ||
    v.charCodeAt(8) !== 0x2d ||
    v.charCodeAt(13) !== 0x2d ||
    v.charCodeAt(18) !== 0x2d ||
    v.charCodeAt(23) !== 0x2d
  ) {
    throw wrongType(column, v);
  }
  if (p + 16 > end) return -1;
  for (let i = 0; i < 16; i++) {
    const at = UUID_DIGIT_AT[i]!;
    const hi = hexAt(v, at);
    const lo = hexAt(v, at + 1);
    if ((hi | lo) < 0) throw wrongType(column, v);
    buf[p + i] = (hi << 4) | lo;
  }
  return p + 16;
};

const encodeBlob: ColumnEncoder = (v, buf, p, end, column) => {
  if (!(v instanceof Uint8Array)) throw wrongType(column, v);
  const n = v.length;
  const width = varintWidth(n);
  if (p + width + n > end) return -1;
  writeVarint(n, width, buf, p);
  putBytes(v, buf, p + width);
  return p + width + n;
};

const decodeInt: ColumnDecoder = (buf, p) => {
  cursor.p = p + 4;
  return readInt32(buf, p);
};
const decodeBigint: ColumnDecoder = (buf, p) => {
  cursor.p = p + 8;
  return readBigInt64(buf, p);
};
const decodeDouble: ColumnDecoder = (buf, p) => {
  cursor.p = p + 8;
  return readFloat64(buf, p);
};
const decodeBoolean: ColumnDecoder = (buf, p) => {
  cursor.p = p + 1;
  return buf[p] !== 0;
};
const decodeText: ColumnDecoder = (buf, p, end) => {
  const n = readVarint(buf, p);
  const start = cursor.p;
  if (start < 0 || start + n > end) throw truncated('text');
  cursor.p = start + n;
  return readUtf8(buf, start, n);
};
const decodeTimestamp: ColumnDecoder = (buf, p) => {
  cursor.p = p + 8;
  return new Date(readFloat64(buf, p));
};
const decodeUuid: ColumnDecoder = (buf, p) => {
  cursor.p = p + 16;
  const h = HEX_BYTE;
  return (
    h[buf[p]!]! +
    h[buf[p + 1]!]! +
    h[buf[p + 2]!]! +
    h[buf[p + 3]!]! +
    '-' +
    h[buf[p + 4]!]! +
    h[buf[p + 5]!]! +
    '-' +
    h[buf[p + 6]!]! +
    h[buf[p + 7]!]! +
    '-' +
    h[buf[p + 8]!]! +
    h[buf[p + 9]!]! +
    '-' +
    h[buf[p + 10]!]! +
    h[buf[p + 11]!]! +
    h[buf[p + 12]!]! +
    h[buf[p + 13]!]! +
    h[buf[p + 14]!]! +
    h[buf[p + 15]!]!
  );
};
const decodeBlob: ColumnDecoder = (buf, p, end) => {
  const n = readVarint(buf, p);
  const start = cursor.p;
  if (start < 0 || start + n > end) throw truncated('blob');
  cursor.p = start + n;
  return copyBytes(buf, start, n);
};

export function truncated(what: string): CodecError {
  return new CodecError(`malformed row: ${what} runs past the end of the record`);
}

export const ENCODERS: Record<ColumnType, ColumnEncoder> = {
  int: encodeInt,
  bigint: encodeBigint,
  double: encodeDouble,
  boolean: encodeBoolean,
  text: encodeText,
  timestamp: encodeTimestamp,
  uuid: encodeUuid,
  blob: encodeBlob,
};

export const DECODERS: Record<ColumnType, ColumnDecoder> = {
  int: decodeInt,
  bigint: decodeBigint,
  double: decodeDouble,
  boolean: decodeBoolean,
  text: decodeText,
  timestamp: decodeTimestamp,
  uuid: decodeUuid,
  blob: decodeBlob,
};
