import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { COLUMNS, csvChunks, ensureCsv, sampleUserIds } from '../../../bench/load/data.ts';
import { type CqlType, converterFor } from '../../../connectors/cassandra/convert.ts';

const TYPES: Record<(typeof COLUMNS)[number], CqlType> = {
  user_id: 'bigint',
  event_id: 'uuid',
  created_at: 'timestamp',
  name: 'text',
  country: 'text',
  amount: 'double',
  quantity: 'int',
  is_active: 'boolean',
};

const csvOf = (rows: number) => [...csvChunks(rows, 1000)].join('');
const recordsOf = (text: string) => parse(text, { columns: true }) as Record<string, string>[];

describe('the benchmark CSV', () => {
  const text = csvOf(20_000);
  const records = recordsOf(text);

  it('has the header and exactly the rows asked for, every field converting to its column type', () => {
    expect(text.slice(0, text.indexOf('\n'))).toBe(COLUMNS.join(','));
    expect(records).toHaveLength(20_000);
    const converters = COLUMNS.map(
      (column) => [column, converterFor(column, TYPES[column])] as const,
    );
    const failures: string[] = [];
    for (const record of records) {
      if (Object.keys(record).join() !== COLUMNS.join()) failures.push(Object.keys(record).join());
      for (const [column, convert] of converters) {
        const value = column === 'country' && record[column] === '' ? null : record[column];
        try {
          convert(value);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('exercises quoting, UTF-8, nulls and a bigint beyond 32 bits', () => {
    expect(records.some((r) => r.name!.includes(','))).toBe(true);
    expect(records.some((r) => r.name!.includes('"'))).toBe(true);
    // More UTF-8 bytes than UTF-16 units: a character beyond ASCII.
    expect(records.some((r) => Buffer.byteLength(r.name!) > r.name!.length)).toBe(true);
    expect(records.some((r) => r.country === '')).toBe(true);
    expect(records.every((r) => Number(r.user_id) > 2 ** 32)).toBe(true);
  });

  it('has mostly one-row partitions, a few of up to 8 rows, each partition on adjacent lines', () => {
    const sizes: number[] = [];
    const seen = new Set<string>();
    let previous = '';
    for (const r of records) {
      if (r.user_id === previous) {
        sizes[sizes.length - 1]! += 1;
        continue;
      }
      expect(seen.has(r.user_id!), `user ${r.user_id} on two runs of lines`).toBe(false);
      seen.add(r.user_id!);
      sizes.push(1);
      previous = r.user_id!;
    }
    const single = sizes.filter((s) => s === 1).length / sizes.length;
    expect(single).toBeGreaterThan(0.65);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8);
    expect(records.length / sizes.length).toBeGreaterThan(1.2);
    expect(records.length / sizes.length).toBeLessThan(1.7);
  });

  it('samples partitions that the file holds, for any size', () => {
    const ids = new Set(records.map((r) => Number(r.user_id)));
    const sample = sampleUserIds(20_000);
    expect(new Set(sample).size).toBe(64);
    for (const id of sample) expect(ids.has(id), `user ${id}`).toBe(true);
    const small = recordsOf(csvOf(200)).map((r) => Number(r.user_id));
    expect(sampleUserIds(200).filter((id) => small.includes(id)).length).toBeGreaterThan(0);
  });

  it('is a function of the row count: a smaller file is a prefix of a larger one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        (n, more) => {
          const small = csvOf(n);
          const large = csvOf(n + more);
          expect(large.startsWith(small)).toBe(true);
          expect(csvOf(n)).toBe(small);
        },
      ),
      { seed: 0x10ad, numRuns: 25 },
    );
  });
});

describe('ensureCsv', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('generates the file once, then reuses it as it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-load-data-'));
    dirs.push(dir);
    const first = await ensureCsv(dir, 1500);
    expect(first.isNew).toBe(true);
    expect(await readFile(first.path, 'utf8')).toBe(csvOf(1500));
    // A file already there is taken as it is: marking it shows that it was not rewritten.
    await writeFile(first.path, 'marked');
    const second = await ensureCsv(dir, 1500);
    expect(second).toEqual({ path: first.path, bytes: 6, isNew: false });
    expect((await ensureCsv(dir, 1501)).path).not.toBe(first.path);
  });
});
