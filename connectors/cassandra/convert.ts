/**
 * Record values → the JS values the driver encodes for each CQL type.
 *
 * CSV input arrives as strings unless typed, so every numeric, boolean, temporal, uuid,
 * inet and blob column also accepts a string, parsed strictly: the whole string must be the
 * value ("12abc" is not 12), integers must fit their type, and a timestamp without a zone
 * is UTC (as DSBulk reads it), never the machine's local time. A value that does not convert
 * throws a `ConnectorError` naming the column, the CQL type and the value (truncated), which
 * the writer turns into a bad record.
 *
 * Output types match the client's encoding options (`useBigIntAsLong`, `useBigIntAsVarint`):
 * bigint and varint become `bigint`; timestamp a `Date`; the rest the driver's own classes.
 */

import { isIP } from 'node:net';
import { inspect } from 'node:util';
import cassandra from 'cassandra-driver';
import { ConnectorError } from '../../runtime/errors.ts';
import { MAX_TTL_SECONDS } from './config.ts';

const { BigDecimal, InetAddress, LocalDate, LocalTime, Uuid } = cassandra.types;

export const SCALAR_TYPES = [
  'ascii',
  'bigint',
  'blob',
  'boolean',
  'counter',
  'date',
  'decimal',
  'double',
  'float',
  'inet',
  'int',
  'smallint',
  'text',
  'time',
  'timestamp',
  'timeuuid',
  'tinyint',
  'uuid',
  'varint',
] as const;
/** A scalar CQL type, or `other` (collections, tuples, UDTs, duration: passed to the driver as they are). */
export type CqlType = (typeof SCALAR_TYPES)[number] | 'other';

export type Converter = (value: unknown) => unknown;

const MAX_SHOWN = 60;

/** The value as an error shows it: inspected, and cut to a bounded length. */
export function showValue(value: unknown): string {
  const text = inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY });
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} chars)` : text;
}

export function conversionError(column: string, type: string, value: unknown, why?: string) {
  return new ConnectorError(
    `column "${column}" (${type}): cannot convert ${showValue(value)}${why ? `: ${why}` : ''}`,
    { details: { column, cqlType: type } },
  );
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;
const HEX_BLOB = /^0[xX](?:[0-9a-fA-F]{2})*$/;

function integerIn(min: number, max: number): (value: unknown) => number | undefined {
  return (value) => {
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'bigint') n = Number(value);
    else if (typeof value === 'string' && INTEGER.test(value.trim())) n = Number(value.trim());
    else return undefined;
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  };
}

function bigIntIn(min: bigint | undefined, max: bigint | undefined) {
  return (value: unknown): bigint | undefined => {
    let n: bigint;
    if (typeof value === 'bigint') n = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
    else if (typeof value === 'string' && INTEGER.test(value.trim())) n = BigInt(value.trim());
    else return undefined;
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) return undefined;
    return n;
  };
}

function floating(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (DECIMAL.test(s)) return Number(s);
  if (s === 'NaN') return Number.NaN;
  if (s === 'Infinity' || s === '+Infinity') return Number.POSITIVE_INFINITY;
  if (s === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function boolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const s = value.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  return undefined;
}

function ascii(value: unknown): string | undefined {
  const s = text(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ascii range is the point.
  return s !== undefined && /^[\x00-\x7f]*$/.test(s) ? s : undefined;
}

function timestamp(value: unknown): Date | undefined {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'bigint') ms = Number(value);
  else if (typeof value === 'string') {
    const s = value.trim();
    const match = ISO_DATE_TIME.exec(s);
    if (INTEGER.test(s)) ms = Number(s);
    else if (!match) return undefined;
    else {
      const zone = match[3] ?? 'Z';
      // Date.parse keeps milliseconds only; finer digits are dropped, as Cassandra stores ms.
      const time = (match[2] ?? '00:00').replace(/(\.\d{3})\d+$/, '$1');
      ms = Date.parse(`${match[1]}T${time}${zone}`);
    }
  } else return undefined;
  return Number.isSafeInteger(ms) ? new Date(ms) : undefined;
}

function date(value: unknown) {
  if (value instanceof LocalDate) return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    return new LocalDate(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate());
  }
  if (typeof value === 'string' && /^[+-]?\d{1,7}-\d{2}-\d{2}$/.test(value.trim())) {
    const parsed = LocalDate.fromString(value.trim());
    // LocalDate accepts 2024-02-31 by rolling over; a date that does not round-trip is wrong.
    return parsed.toString() === value.trim() ? parsed : undefined;
  }
  return undefined;
}

function time(value: unknown) {
  if (value instanceof LocalTime) return value;
  if (typeof value === 'string' && /^\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/.test(value.trim())) {
    return LocalTime.fromString(value.trim());
  }
  return undefined;
}

function uuid(value: unknown) {
  if (value instanceof Uuid) return value;
  if (typeof value === 'string' && UUID.test(value.trim())) return Uuid.fromString(value.trim());
  return undefined;
}

function timeuuid(value: unknown) {
  const u = uuid(value);
  // Version 1 is the only time-based UUID Cassandra accepts in a timeuuid column.
  if (u === undefined || (u.getBuffer()[6]! & 0xf0) !== 0x10) return undefined;
  return u;
}

function blob(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length);
  if (typeof value === 'string' && HEX_BLOB.test(value.trim())) {
    return Buffer.from(value.trim().slice(2), 'hex');
  }
  return undefined;
}

function inet(value: unknown) {
  if (value instanceof InetAddress) return value;
  // The driver's parser accepts octets above 255; node's isIP is strict.
  if (typeof value !== 'string' || isIP(value.trim()) === 0) return undefined;
  try {
    return InetAddress.fromString(value.trim());
  } catch {
    return undefined;
  }
}

function decimal(value: unknown) {
  if (value instanceof BigDecimal) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigDecimal.fromNumber(value);
  if (typeof value === 'string' && DECIMAL.test(value.trim())) {
    return BigDecimal.fromString(value.trim());
  }
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const PARSERS: Record<Exclude<CqlType, 'other'>, (value: unknown) => unknown> = {
  ascii,
  bigint: bigIntIn(INT64_MIN, INT64_MAX),
  blob,
  boolean,
  counter: bigIntIn(INT64_MIN, INT64_MAX),
  date,
  decimal,
  double: floating,
  float: floating,
  inet,
  int: integerIn(-(2 ** 31), 2 ** 31 - 1),
  smallint: integerIn(-(2 ** 15), 2 ** 15 - 1),
  text,
  time,
  timestamp,
  timeuuid,
  tinyint: integerIn(-128, 127),
  uuid,
  varint: bigIntIn(undefined, undefined),
};

/**
 * The converter of one column. `null` stays `null`; the row mapper binds a missing field, and
 * by default a null one, as "unset" before calling it, so they write nothing (schema.ts).
 */
export function converterFor(column: string, type: CqlType, typeName: string = type): Converter {
  if (type === 'other') return (value) => value;
  const parse = PARSERS[type];
  return (value) => {
    if (value === null) return null;
    const converted = parse(value);
    if (converted === undefined) throw conversionError(column, typeName, value);
    return converted;
  };
}

/** The last microsecond of year 9999: a later write time is a unit mistake, and would never be overwritten. */
const MAX_WRITE_TIME_MICROS = 253_402_300_799_999_999n;

/** A row's TTL (the mapping's `__ttl`): whole seconds, 0 (none) to 20 years. */
export function ttlConverter(field: string): Converter {
  const parse = integerIn(0, MAX_TTL_SECONDS);
  return (value) => {
    const seconds = parse(value);
    if (seconds === undefined) {
      throw conversionError(
        '__ttl',
        'int',
        value,
        `a TTL is whole seconds from 0 to ${MAX_TTL_SECONDS} (field "${field}")`,
      );
    }
    return seconds;
  };
}

/**
 * A write time (the mapping's `__timestamp`, `-timestamp`) in microseconds since the epoch,
 * as a bigint. It reads what a timestamp column reads: an ISO date-time (UTC without a
 * zone), here kept to the microsecond, a number of milliseconds, or a Date.
 */
export function writeTimeMicros(value: unknown): bigint | undefined {
  let micros: bigint;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    micros = BigInt(value.getTime()) * 1000n;
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) return undefined;
    micros = BigInt(value) * 1000n;
  } else if (typeof value === 'string') {
    const s = value.trim();
    if (INTEGER.test(s)) micros = BigInt(s) * 1000n;
    else {
      const match = ISO_DATE_TIME.exec(s);
      if (!match) return undefined;
      const [whole, fraction = ''] = (match[2] ?? '00:00').split('.');
      const ms = Date.parse(
        `${match[1]}T${whole}.${fraction.padEnd(3, '0').slice(0, 3)}${match[3] ?? 'Z'}`,
      );
      if (Number.isNaN(ms)) return undefined;
      micros = BigInt(ms) * 1000n + BigInt(fraction.padEnd(6, '0').slice(3, 6));
    }
  } else return undefined;
  return micros >= 0n && micros <= MAX_WRITE_TIME_MICROS ? micros : undefined;
}

export function writeTimeConverter(field: string): Converter {
  return (value) => {
    const micros = writeTimeMicros(value);
    if (micros === undefined) {
      throw conversionError(
        '__timestamp',
        'timestamp',
        value,
        `a write time is an ISO date-time or milliseconds since the epoch, up to year 9999 (field "${field}")`,
      );
    }
    return micros;
  };
}
