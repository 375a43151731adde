import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../../../runtime/codec/create.ts';
import { createRowCodec, type Row } from '../../../runtime/codec/row.ts';
import type { Codec, ColumnSpec, ColumnType } from '../../../runtime/codec/types.ts';
import { CodecError, ConfigError } from '../../../runtime/errors.ts';
import { columnValue, SEED, schemaAndRows, sharedSegment } from './arbitraries.ts';

const variants: Array<[string, (columns: ColumnSpec[]) => Codec<Row>]> = [
  ['generated', (columns) => createRowCodec(columns)],
  ['interpreted', (columns) => createRowCodec(columns, { compile: false })],
];

const CANARY = 0xa5;

/** Checks value, key order, and that a decoded blob owns its memory. */
function expectRow(actual: Row, expected: Row): void {
  // Entries, not the objects: a column named "constructor" would confuse the class check.
  expect(Object.entries(actual)).toStrictEqual(Object.entries(expected));
  expect(Object.getPrototypeOf(actual)).toBe(Object.prototype);
  for (const key of Object.keys(expected)) {
    const e = expected[key];
    const a = actual[key];
    if (typeof e === 'number') expect(Object.is(a, e)).toBe(true);
    if (a instanceof Uint8Array) {
      expect(a.constructor).toBe(Uint8Array);
      expect(a.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    }
  }
}

describe.each(variants)('row codec (%s)', (_name, make) => {
  it('round-trips rows of every column type, with null/undefined/absent, at any offset', () => {
    fc.assert(
      fc.property(schemaAndRows, fc.nat(40), ([columns, rows], start) => {
        const codec = make(columns);
        const buf = sharedSegment(64 * 1024);
        const spans: Array<[number, number]> = [];
        let p = start;
        for (const row of rows) {
          const next = codec.encode(row.input, buf, p, buf.length);
          expect(next).toBeGreaterThan(p - 1);
          spans.push([p, next - p]);
          p = next;
        }
        // A second codec from the same columns stands in for the consumer's thread.
        const reader = make(columns);
        rows.forEach((row, i) => {
          const [offset, length] = spans[i]!;
          expectRow(reader.decode(buf, offset, length), row.expected);
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('returns -1 for every end short of the encoding, never writes at or past end, then fits', () => {
    fc.assert(
      fc.property(schemaAndRows, fc.nat(16), ([columns, rows], offset) => {
        const codec = make(columns);
        const row = rows[0]!;
        const full = sharedSegment(64 * 1024);
        const length = codec.encode(row.input, full, offset, full.length) - offset;
        const buf = sharedSegment(offset + length + 16);
        for (let end = offset; end < offset + length; end++) {
          buf.fill(CANARY, end);
          expect(codec.encode(row.input, buf, offset, end)).toBe(-1);
          expect(buf.subarray(end).every((b) => b === CANARY)).toBe(true);
        }
        buf.fill(CANARY);
        expect(codec.encode(row.input, buf, offset, offset + length)).toBe(offset + length);
        expect(buf.subarray(offset + length).every((b) => b === CANARY)).toBe(true);
        expect(buf.subarray(offset, offset + length)).toEqual(
          full.subarray(offset, offset + length),
        );
        expectRow(codec.decode(buf, offset, length), row.expected);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it.each([
    ['int', 1.5, 'number 1.5'],
    ['int', 2 ** 31, 'number 2147483648'],
    ['int', '7', 'string "7"'],
    ['int', 7n, 'bigint 7n'],
    ['bigint', 2n ** 63n, 'bigint 9223372036854775808n'],
    ['bigint', 2 ** 53, 'number 9007199254740992'],
    ['bigint', 0.5, 'number 0.5'],
    ['double', '1.5', 'string "1.5"'],
    ['double', 1n, 'bigint 1n'],
    ['boolean', 1, 'number 1'],
    ['text', 42, 'number 42'],
    ['text', ['a'], 'Array ["a"]'],
    ['text', new Array(100).fill(1), 'Array of 100 elements'],
    ['timestamp', new Date(Number.NaN), 'Date Invalid Date'],
    ['timestamp', 1_700_000_000_000, 'number 1700000000000'],
    ['uuid', 'not-a-uuid', 'string "not-a-uuid"'],
    [
      'uuid',
      '123e4567-e89b-12d3-a456-42661417400g',
      'string "123e4567-e89b-12d3-a456-42661417400g"',
    ],
    ['uuid', '123e4567e89b12d3a456426614174000xxxx', 'string'],
    ['blob', [1, 2], 'Array [1,2]'],
    ['blob', 'AQI=', 'string "AQI="'],
  ] as Array<[ColumnType, unknown, string]>)(
    'rejects a %s column given %s',
    (type, value, shown) => {
      const codec = make([
        { name: 'id', type: 'int' },
        { name: 'the_column', type },
      ]);
      const buf = sharedSegment(256);
      let error: unknown;
      try {
        codec.encode({ id: 1, the_column: value }, buf, 0, buf.length);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CodecError);
      const { message, code, details } = error as CodecError;
      expect(code).toBe('ERR_CODEC');
      expect(message).toContain('"the_column"');
      expect(message).toContain(`(${type})`);
      expect(message).toContain(shown);
      expect(details).toEqual({ column: 'the_column', type });
    },
  );

  it('truncates a long offending value in the message', () => {
    const codec = make([{ name: 'n', type: 'int' }]);
    const long = 'z'.repeat(10_000);
    expect(() => codec.encode({ n: long }, sharedSegment(64), 0, 64)).toThrow(
      /column "n" \(int\) expects an integer number in int32 range, got string "z{40}…"$/,
    );
  });

  it('rejects a record that is not an object', () => {
    const codec = make([{ name: 'n', type: 'int' }]);
    for (const value of [null, undefined, 5, 'row']) {
      expect(() => codec.encode(value as unknown as Row, sharedSegment(64), 0, 64)).toThrow(
        CodecError,
      );
    }
  });

  it('carries only the schema columns, and reads inherited names as own properties only', () => {
    const columns: ColumnSpec[] = [
      { name: 'constructor', type: 'text' },
      { name: '__proto__', type: 'int' },
      { name: 'toString', type: 'boolean' },
      { name: 'a', type: 'int' },
    ];
    const codec = make(columns);
    const buf = sharedSegment(256);
    const row: Row = { a: 1, extra: 'not carried' };
    Object.defineProperty(row, '__proto__', { value: 7, enumerable: true, writable: true });
    const end = codec.encode(row, buf, 0, buf.length);
    const decoded = codec.decode(buf, 0, end);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toBe(7);
    expect(decoded.a).toBe(1);
  });

  it('decodes the same bytes as the other variant writes', () => {
    fc.assert(
      fc.property(schemaAndRows, ([columns, rows]) => {
        const [generated, interpreted] = variants.map(([, m]) => m(columns));
        for (const row of rows) {
          const a = sharedSegment(64 * 1024);
          const b = sharedSegment(64 * 1024);
          const endA = generated!.encode(row.input, a, 0, a.length);
          const endB = interpreted!.encode(row.input, b, 0, b.length);
          expect(a.subarray(0, endA)).toEqual(b.subarray(0, endB));
          expectRow(make(columns).decode(a, 0, endA), row.expected);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('rejects a record whose length disagrees with its content', () => {
    const codec = make([
      { name: 'n', type: 'int' },
      { name: 's', type: 'text' },
    ]);
    const buf = sharedSegment(64);
    const end = codec.encode({ n: 1, s: 'abc' }, buf, 0, buf.length);
    expect(() => codec.decode(buf, 0, end + 1)).toThrow(
      /malformed row: decoded 9 bytes of a 10-byte record/,
    );
    expect(() => codec.decode(buf, 0, end - 1)).toThrow(CodecError);
  });
});

describe('row codec layout', () => {
  it('writes the documented bytes', () => {
    const codec = createCodec<Row>({
      kind: 'row',
      columns: [
        { name: 'i', type: 'int' },
        { name: 'n', type: 'text' },
        { name: 'u', type: 'int' },
        { name: 'a', type: 'int' },
        { name: 'b', type: 'bigint' },
        { name: 't', type: 'text' },
      ],
    });
    const buf = sharedSegment(64);
    const end = codec.encode({ i: -2, n: null, u: undefined, b: 258, t: 'é' }, buf, 0, 64);
    // Status: i VALUE, n NULL, u UNDEFINED, a ABSENT | b VALUE, t VALUE.
    expect([...buf.subarray(0, end)]).toEqual([
      0b11_10_01_00, 0b0000_00_00, 0xfe, 0xff, 0xff, 0xff, 2, 1, 0, 0, 0, 0, 0, 0, 2, 0xc3, 0xa9,
    ]);
  });

  it('pads long text lengths so the slot can be reserved before writing', () => {
    const codec = createRowCodec([{ name: 't', type: 'text' }]);
    const buf = sharedSegment(256);
    const end = codec.encode({ t: 'a'.repeat(43) }, buf, 0, 256);
    // 43 units may need 129 bytes: a two-byte LEB128 slot holding 43.
    expect([...buf.subarray(0, 3)]).toEqual([0, 43 | 0x80, 0]);
    expect(end).toBe(3 + 43);
    expect(codec.decode(buf, 0, end)).toEqual({ t: 'a'.repeat(43) });
  });

  it('rejects bad column specs', () => {
    expect(() =>
      createRowCodec([
        { name: 'a', type: 'int' },
        { name: 'a', type: 'text' },
      ]),
    ).toThrow(new ConfigError('row codec: column "a" appears twice'));
    expect(() => createRowCodec([{ name: 'a', type: 'varchar' as ColumnType }])).toThrow(
      /column "a" has unknown type string "varchar"; expected one of int, bigint/,
    );
    expect(() => createCodec({ kind: 'json' } as never)).toThrow(ConfigError);
  });

  it('covers every column type in the arbitraries', () => {
    expect(Object.keys(columnValue).sort()).toEqual(
      ['bigint', 'blob', 'boolean', 'double', 'int', 'text', 'timestamp', 'uuid'].sort(),
    );
  });
});
