/** fast-check arbitraries and expectations shared by the codec tests. */

import fc from 'fast-check';
import type { ColumnSpec, ColumnType } from '../../../runtime/codec/types.ts';

export const SEED = 20261121;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a string becomes after UTF-8 encoding: lone surrogates turn into U+FFFD. */
export function utf8RoundTrip(s: string): string {
  return decoder.decode(encoder.encode(s));
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Strings across every encoder path: ASCII, BMP, astral, lone surrogates, short and long. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({
    unit: fc.oneof(fc.constantFrom('a', 'é', '€', '\u{1F600}', '\u{10FFFF}'), loneSurrogate),
    maxLength: 80,
  }),
  fc.string({ unit: 'binary-ascii', minLength: 40, maxLength: 300 }),
  fc.constantFrom('', 'x'.repeat(42), 'é'.repeat(43), '\u{1F600}'.repeat(21), '\ud800'),
);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_DATE_MS = 8.64e15;

export interface ColumnCase {
  /** The value given to encode. */
  input: unknown;
  /** What decode must return. */
  expected: unknown;
}

const same = (v: unknown): ColumnCase => ({ input: v, expected: v });

export const columnValue: Record<ColumnType, fc.Arbitrary<ColumnCase>> = {
  int: fc
    .oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0, -1),
    )
    .map(same),
  bigint: fc.oneof(
    fc.bigInt(INT64_MIN, INT64_MAX).map(same),
    fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n).map(same),
    fc
      .oneof(
        fc.integer(),
        fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 32)),
        fc.maxSafeInteger(),
      )
      .map((n) => ({ input: n, expected: BigInt(n) })),
  ),
  double: fc
    .oneof(
      fc.double(),
      fc.constantFrom(-0, 0, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE),
    )
    .map(same),
  boolean: fc.boolean().map(same),
  text: anyText.map((s) => ({ input: s, expected: utf8RoundTrip(s) })),
  timestamp: fc
    .oneof(
      fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS }),
      fc.constantFrom(-MAX_DATE_MS, MAX_DATE_MS, 0, -1),
    )
    .map((ms) => ({ input: new Date(ms), expected: new Date(ms) })),
  uuid: fc
    .tuple(fc.uuid(), fc.boolean())
    .map(([u, upper]) => ({ input: upper ? u.toUpperCase() : u, expected: u.toLowerCase() })),
  blob: fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.boolean()).map(([bytes, asBuffer]) => ({
    input: asBuffer ? Buffer.from(bytes) : bytes,
    expected: Uint8Array.from(bytes),
  })),
};

export const COLUMN_TYPES = Object.keys(columnValue) as ColumnType[];

/** A column's fate in one row: a value, null, an own `undefined`, or no property at all. */
export type Cell = { kind: 'value'; case: ColumnCase } | { kind: 'null' | 'undefined' | 'absent' };

export function cell(type: ColumnType): fc.Arbitrary<Cell> {
  return fc.oneof(
    { weight: 6, arbitrary: columnValue[type].map((c): Cell => ({ kind: 'value', case: c })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Cell>({ kind: 'null' }, { kind: 'undefined' }, { kind: 'absent' }),
    },
  );
}

/** A schema of 1..12 columns with distinct names (so status bitmaps span several bytes). */
export const schema: fc.Arbitrary<ColumnSpec[]> = fc
  .uniqueArray(
    fc.oneof(
      { weight: 9, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
      // Names Object.prototype also has: a row without them must not read the inherited ones.
      { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf') },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .chain((names) =>
    fc
      .tuple(...names.map(() => fc.constantFrom(...COLUMN_TYPES)))
      .map((types) => names.map((name, i) => ({ name, type: types[i]! }))),
  );

export interface RowCase {
  input: Record<string, unknown>;
  expected: Record<string, unknown>;
}

export function rowOf(columns: ColumnSpec[]): fc.Arbitrary<RowCase> {
  return fc.tuple(...columns.map((c) => cell(c.type))).map((cells) => {
    const input: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    cells.forEach((cellValue, i) => {
      const name = columns[i]!.name;
      if (cellValue.kind === 'absent') return;
      const [given, wanted] =
        cellValue.kind === 'value'
          ? [cellValue.case.input, cellValue.case.expected]
          : cellValue.kind === 'null'
            ? [null, null]
            : [undefined, undefined];
      Object.defineProperty(input, name, {
        value: given,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      Object.defineProperty(expected, name, {
        value: wanted,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    return { input, expected };
  });
}

/** A schema and some rows of it. */
export const schemaAndRows = schema.chain((columns) =>
  fc.tuple(fc.constant(columns), fc.array(rowOf(columns), { minLength: 1, maxLength: 20 })),
);

/** A SharedArrayBuffer-backed segment, as the channel hands to codecs. */
export function sharedSegment(size: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(size + 32), 16, size);
}
