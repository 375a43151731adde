import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv, csvFile, jsonl, jsonlFile, stdin, stdout } from '../../../connectors/files/index.ts';
import { ConfigError, ConnectorError } from '../../../runtime/errors.ts';
import type { Sink } from '../../../runtime/graph/connector.ts';
import { instancePath } from '../../../runtime/graph/connector.ts';
import { context, readInstances, tempDir } from './helpers.ts';

async function writeAll<T>(sink: Sink<T>, records: T[], instance = 0, parallelism = 1) {
  const writer = await sink.createWriter(context(instance, parallelism));
  try {
    for (const record of records) await writer.write(record);
    await writer.flush(true);
    return writer.result?.();
  } finally {
    await writer.close();
  }
}

const typedRow = fc.record({
  id: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  big: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  score: fc.double({ noNaN: true }),
  ok: fc.boolean(),
  name: fc.string({ unit: 'grapheme', minLength: 1 }),
  at: fc.date({ noInvalidDate: true, min: new Date(-1e14), max: new Date(1e14) }),
  key: fc.uuid().map((u) => u.toLowerCase()),
  bytes: fc.uint8Array({ maxLength: 12 }),
});
const columns = {
  id: 'int',
  big: 'bigint',
  score: 'double',
  ok: 'boolean',
  name: 'text',
  at: 'timestamp',
  key: 'uuid',
  bytes: 'blob',
} as const;

describe('file sinks', () => {
  let files: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    files = await tempDir();
  });
  afterAll(() => files.remove());

  it('csvFile then csv with typed columns gives back the same rows, from any number of readers', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(typedRow, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (rows, parallelism) => {
          const path = `${files.dir}/round-${run++}.csv`;
          const result = await writeAll(csvFile(path), rows);
          expect(result).toEqual({ file: path, records: rows.length });
          const back = await readInstances(csv(path, { columns }), parallelism);
          // -0 is written as "0": compare numbers by value.
          expect(back.flat()).toEqual(
            rows.map((r) => ({ ...r, score: r.score === 0 ? 0 : r.score })),
          );
        },
      ),
      { seed: 5, numRuns: 60 },
    );
  });

  it('jsonlFile then jsonl gives back the same values', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        async (values, parallelism) => {
          const path = `${files.dir}/round-${run++}.jsonl`;
          await writeAll(jsonlFile(path), values);
          const back = await readInstances(jsonl(path), parallelism);
          expect(back.flat()).toEqual(JSON.parse(JSON.stringify(values)));
        },
      ),
      { seed: 6, numRuns: 60 },
    );
  });

  it('writes bigint as a decimal string and bytes as base64 in JSON Lines', async () => {
    const path = `${files.dir}/types.jsonl`;
    await writeAll(jsonlFile(path), [
      { n: 2n ** 63n - 1n, b: Buffer.from([1, 2, 3]), u: new Uint8Array([255]), d: new Date(0) },
    ]);
    expect(await readFile(path, 'utf8')).toBe(
      '{"n":"9223372036854775807","b":"AQID","u":"/w==","d":"1970-01-01T00:00:00.000Z"}\n',
    );
  });

  it('gives each instance its own file, and writes nulls as the null value', async () => {
    expect(instancePath('out/data.csv', 3, 12)).toBe('out/data-03.csv');
    expect(instancePath('out/data.csv', 0, 1)).toBe('out/data.csv');
    expect(instancePath('out.d/data', 1, 2)).toBe('out.d/data-1');
    expect(instancePath('part-{instance}.csv', 2, 4)).toBe('part-2.csv');
    const path = `${files.dir}/nulls.csv`;
    await writeAll(
      csvFile(path, { columns: ['a', 'b'], nullValue: 'NULL' }),
      [{ a: null, b: 'x,"y"' }],
      1,
      2,
    );
    expect(await readFile(`${files.dir}/nulls-1.csv`, 'utf8')).toBe('a,b\nNULL,"x,""y"""\n');
    const back = await readInstances(
      csv(`${files.dir}/nulls-1.csv`, { columns: { a: 'int' }, nullValue: 'NULL' }),
      1,
    );
    expect(back.flat()).toEqual([{ a: null, b: 'x,"y"' }]);
  });

  it('refuses a record with a column it does not write, rather than drop it', async () => {
    const error = await writeAll(csvFile(`${files.dir}/extra.csv`), [
      { a: 1 },
      { a: 2, b: 3 },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toMatch(
      /column 'b' that is not among the columns written \(a\)/,
    );
  });

  it('asks the caller to wait past 1 MiB pending, and writes everything in order', async () => {
    const path = `${files.dir}/big.jsonl`;
    const writer = await jsonlFile<{ i: number; pad: string }>(path).createWriter(context(0, 1));
    let waits = 0;
    const count = 20_000;
    for (let i = 0; i < count; i++) {
      const wait = writer.write({ i, pad: 'x'.repeat(100) });
      if (wait) {
        waits++;
        await wait;
      }
    }
    await writer.flush(true);
    await writer.close();
    expect(waits).toBeGreaterThan(0);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('names the file it cannot create', async () => {
    await expect(
      csvFile(`${files.dir}/no/such/dir.csv`).createWriter(context(0, 1)),
    ).rejects.toThrow(/no\/such\/dir\.csv/);
  });

  it('rejects bad sink configuration eagerly, naming the option', () => {
    expect(() => csvFile('')).toThrow(ConfigError);
    expect(() => csvFile('a.csv', { columns: ['a', 'a'] })).toThrow(/'columns'/);
    expect(() => csvFile('a.csv', { quote: ',' })).toThrow(/'quote'/);
    expect(() => jsonlFile('a.jsonl', { header: true } as never)).toThrow(
      /unknown option 'header'/,
    );
    expect(() => stdout({ format: 'xml' } as never)).toThrow(/'format'/);
    expect(() => stdin({ format: 'csv', delimiter: '' })).toThrow(/'delimiter'/);
  });
});
