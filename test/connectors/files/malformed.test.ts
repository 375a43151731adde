import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../../../connectors/files/csv-source.ts';
import { jsonl } from '../../../connectors/files/jsonl-source.ts';
import { readKeepingMalformed, tempDir } from './helpers.ts';

/**
 * Records of a two-column file (`n` an int), each good or malformed in one way. A good record
 * becomes one row; a malformed one is reported at the line it starts on, with a reason.
 */
const GOOD = ['1,x', '2,"a\nb"', '3,"c,""d"""', '4,"\r\n"', '5,日本 ✓'];
const BAD: Array<[string, RegExp]> = [
  ['6,x,extra', /^3 fields where the header has 2$/],
  ['7', /^1 field where the header has 2$/],
  ['z,"multi\nline"', /^column 'n': "z" is not a valid int$/],
  ['8,"ab"c', /Invalid Closing Quote/],
  ['9,ab"c', /Invalid Opening Quote/],
  [`10,${'y'.repeat(300)}`, /longer than maxRecordBytes \(256\)/],
  ['11,caf\xe9', /^invalid UTF-8 \(a Windows-1252/],
];

const file = fc.record({
  records: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...GOOD.map((text) => ({ text, bad: undefined }))) },
      { weight: 1, arbitrary: fc.constantFrom(...BAD.map(([text, bad]) => ({ text, bad }))) },
    ),
    { minLength: 0, maxLength: 30 },
  ),
  /** An unterminated quote as the last record: it runs to the end of the file. */
  isOpenAtEnd: fc.boolean(),
  isGzip: fc.boolean(),
  isCrlf: fc.boolean(),
});

function encode(text: string): Buffer {
  // The Latin-1 record keeps its single byte; everything else is UTF-8.
  return Buffer.concat(
    text.split(/(\xe9)/).map((part) => Buffer.from(part, part === '\xe9' ? 'latin1' : 'utf8')),
  );
}

describe('malformed records, kept instead of failing the read', () => {
  let files: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    files = await tempDir();
  });
  afterAll(() => files.remove());

  it('every good record read once, every bad one reported at its line, for 1..5 readers', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 5 }), async (spec, parallelism) => {
        const eol = spec.isCrlf ? '\r\n' : '\n';
        const records = [...spec.records];
        let text = `n,s${eol}`;
        let line = 2;
        const expectedRows: string[] = [];
        const expectedBad: Array<{ line: number; error: RegExp }> = [];
        for (const record of records) {
          const body = record.text.replace(/\n/g, eol);
          if (record.bad === undefined) expectedRows.push(`${body.split(',')[0]}:${line}`);
          else expectedBad.push({ line, error: record.bad });
          text += `${body}${eol}`;
          line += body.split('\n').length;
        }
        if (spec.isOpenAtEnd) {
          text += `12,"never closed${eol}13,x${eol}`;
          expectedBad.push({ line, error: /Quote Not Closed/ });
        }
        const bytes = encode(text);
        const path = await files.file(
          `m-${run++}.csv${spec.isGzip ? '.gz' : ''}`,
          spec.isGzip ? gzipSync(bytes) : bytes,
        );
        const source = csv(path, {
          columns: { n: 'int' },
          maxRecordBytes: 256,
          sourceField: '_at',
        });
        const read = await readKeepingMalformed(source, parallelism);
        const rows = read.flatMap((r) => r.rows);
        const bad = read.flatMap((r) => r.malformed);
        expect(rows.map((r) => `${r.n}:${String(r._at).split(':').pop()}`)).toEqual(expectedRows);
        expect(bad.map((b) => Number(b.source.split(':').pop()))).toEqual(
          expectedBad.map((b) => b.line),
        );
        bad.forEach((b, i) => {
          expect(b.error).toMatch(expectedBad[i]!.error);
          expect(b.source.startsWith(`${path}:`)).toBe(true);
          expect(b.record.length).toBeGreaterThan(0);
        });
      }),
      { seed: 23, numRuns: 120 },
    );
  });

  it('an oversize record is skipped without being buffered whole, and reading goes on', async () => {
    const huge = `2,"${'x'.repeat(3 << 20)}"`;
    const path = await files.file('huge.csv', `n,s\n1,a\n${huge}\n3,c\n`);
    const read = await readKeepingMalformed(
      csv(path, { columns: { n: 'int' }, maxRecordBytes: 1 << 20 }),
      2,
    );
    expect(read.flatMap((r) => r.rows).map((r) => r.n)).toEqual([1, 3]);
    const [bad] = read.flatMap((r) => r.malformed);
    expect(bad?.source).toBe(`${path}:3`);
    expect(bad?.error).toMatch(/longer than maxRecordBytes \(1048576\)/);
    // Only the head of the record is kept for the report.
    expect(bad!.record.length).toBeLessThan(2048);
  });

  it('comment lines, leading spaces and over-long fields', async () => {
    const path = await files.file(
      'opts.csv',
      'n,s\n# a comment with a "quote\n1, "a,b"\n2,abcdefghijk\n3,ok\n',
    );
    const read = await readKeepingMalformed(
      csv(path, { columns: { n: 'int' }, comment: '#', ltrim: true, maxCharsPerColumn: 5 }),
      1,
    );
    expect(read[0]!.rows).toEqual([
      { n: 1, s: 'a,b' },
      { n: 3, s: 'ok' },
    ]);
    expect(read[0]!.malformed.map((m) => [m.source.split(':').pop(), m.error])).toEqual([
      ['4', "field 's' has 11 characters, more than maxCharsPerColumn (5)"],
    ]);
  });

  it('skipRecords and maxRecords count in each file, whatever the readers', async () => {
    const a = await files.file('a.csv', 'n\n1\n2\n3\n4\n5\n');
    const b = await files.file('b.csv', 'n\n6\n7\n8\n');
    for (const parallelism of [1, 3]) {
      const read = await readKeepingMalformed(
        csv([a, b], { columns: { n: 'int' }, skipRecords: 1, maxRecords: 2 }),
        parallelism,
      );
      const ns = read.flatMap((r) => r.rows.map((row) => row.n as number));
      expect(ns.sort((x, y) => x - y)).toEqual([2, 3, 7, 8]);
    }
  });

  it('JSON Lines: a line that is not JSON or not UTF-8 is reported, the others read', async () => {
    const lines = [
      '{"a":1}',
      '{"a":',
      '{"a":3}',
      Buffer.from('{"a":"caf\xe9"}', 'latin1'),
      '{"a":5}',
    ];
    const path = await files.file(
      'bad.jsonl',
      Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))),
    );
    for (const parallelism of [1, 2, 4]) {
      const read = await readKeepingMalformed(jsonl(path, { sourceField: '_at' }), parallelism);
      expect(read.flatMap((r) => r.rows).map((r) => r.a)).toEqual([1, 3, 5]);
      const bad = read.flatMap((r) => r.malformed);
      expect(bad.map((m) => m.source)).toEqual([`${path}:2`, `${path}:4`]);
      expect(bad[1]!.error).toMatch(/invalid UTF-8/);
      expect(bad[1]!.record).toBe('{"a":"caf\xe9"}');
    }
  });
});
