import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fieldParser, formatField } from '../../../connectors/files/column-types.ts';
import { csv } from '../../../connectors/files/index.ts';
import type { ColumnType } from '../../../runtime/codec/types.ts';
import { readInstances } from './helpers.ts';

const good: Array<[ColumnType, string, unknown]> = [
  ['int', '-2147483648', -2147483648],
  ['int', '+7', 7],
  ['bigint', '-9223372036854775808', -(2n ** 63n)],
  ['double', '1e-3', 0.001],
  ['double', 'NaN', Number.NaN],
  ['double', '-Infinity', Number.NEGATIVE_INFINITY],
  ['boolean', 'TRUE', true],
  ['boolean', '0', false],
  ['text', ' x ', ' x '],
  ['timestamp', '2024-01-02T03:04:05.678Z', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))],
  ['timestamp', '-1000', new Date(-1000)],
  ['uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ['blob', '0xCAFE', new Uint8Array([0xca, 0xfe])],
  ['blob', 'yv4=', new Uint8Array([0xca, 0xfe])],
];

const bad: Array<[ColumnType, string]> = [
  ['int', '2147483648'],
  ['int', '1.0'],
  ['int', ' 1'],
  ['bigint', '9223372036854775808'],
  ['double', 'abc'],
  ['double', ' '],
  ['boolean', 'yes'],
  ['timestamp', 'yesterday'],
  ['uuid', 'a0eebc99-9c0b-4ef8-bb6d'],
  ['blob', '0xABC'],
  ['blob', 'not base64!'],
];

describe('column types', () => {
  it.each(good)('%s reads %j', (type, text, value) => {
    expect(fieldParser(type, '')(text)).toEqual(value);
  });

  it.each(bad)('%s refuses %j, saying what is wrong', (type, text) => {
    expect(() => fieldParser(type, '')(text)).toThrow(
      `${JSON.stringify(text)} is not a valid ${type}`,
    );
  });

  it('reads the null value as null in every type, and writes null as it', () => {
    for (const [type] of good) expect(fieldParser(type, 'NULL')('NULL')).toBeNull();
    expect(formatField(null, 'NULL')).toBe('NULL');
    expect(formatField(undefined, '')).toBe('');
  });

  it('reads the fixture with BOM, CRLF and LF, quotes, Unicode and typed columns', async () => {
    const path = new URL('../../fixtures/files/tricky.csv', import.meta.url).pathname;
    expect((await readFile(path)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const source = csv(path, {
      columns: { id: 'int', joined: 'timestamp', score: 'double', tags: 'blob' },
    });
    for (const parallelism of [1, 2, 3, 5]) {
      const rows = (await readInstances(source, parallelism)).flat();
      expect(rows).toEqual([
        {
          id: 1,
          name: 'Doe, Jane',
          note: 'said "hi"',
          joined: new Date('2024-01-02T03:04:05Z'),
          score: 1.5,
          tags: new Uint8Array([1, 2]),
        },
        {
          id: 2,
          name: 'Zoë',
          note: 'line one\nline two',
          joined: new Date(1700000000000),
          score: null,
          tags: new Uint8Array([1, 2, 3]),
        },
        { id: 3, name: '', note: '', joined: null, score: -0, tags: null },
        {
          id: 4,
          name: '日本',
          note: 'ends with CRLF inside\r\n',
          joined: new Date('2024-02-29'),
          score: Number.NaN,
          tags: new Uint8Array([]),
        },
      ]);
    }
  });
});
