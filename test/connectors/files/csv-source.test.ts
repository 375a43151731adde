import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piecesFor } from '../../../connectors/files/byte-ranges.ts';
import { csvFormat, parseOptions } from '../../../connectors/files/csv-format.ts';
import { csv, csvRange } from '../../../connectors/files/csv-source.ts';
import { chunked, readInstances, tempDir } from './helpers.ts';

// Fields are built from pieces that stress the boundary finder: delimiters, quotes, line
// breaks of both kinds, multi-byte characters and empty strings.
const fieldText = fc
  .array(fc.constantFrom('a', 'bc', ' ', ',', '"', '""', '\n', '\r\n', 'é', '日本', '😀', ''), {
    maxLength: 5,
  })
  .map((parts) => parts.join(''));
const field = fc.record({ text: fieldText, isQuoted: fc.boolean() });

function encode(f: { text: string; isQuoted: boolean }): string {
  const mustQuote = /[,"\r\n]/.test(f.text);
  return mustQuote || f.isQuoted ? `"${f.text.replaceAll('"', '""')}"` : f.text;
}

const csvFile = fc.integer({ min: 1, max: 4 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    names: fc.array(field, { minLength: width, maxLength: width }),
    rows: fc.array(
      fc.record({
        fields: fc.array(field, { minLength: width, maxLength: width }),
        eol: fc.constantFrom('\n', '\r\n'),
        emptyLinesAfter: fc.nat({ max: 2 }),
      }),
      { maxLength: 30 },
    ),
    headerEol: fc.constantFrom('\n', '\r\n'),
    hasTrailingEol: fc.boolean(),
    hasBom: fc.boolean(),
    skipEmptyLines: fc.boolean(),
  }),
);

function render(file: CsvCase, hasHeaderLine = true): string {
  const names = file.names.map((n, i) => encode({ text: `c${i}${n.text}`, isQuoted: n.isQuoted }));
  let text = file.hasBom ? '\uFEFF' : '';
  if (hasHeaderLine) text += names.join(',') + file.headerEol;
  file.rows.forEach((row, r) => {
    text += row.fields.map(encode).join(',');
    if (r < file.rows.length - 1 || file.hasTrailingEol) text += row.eol;
    if (file.skipEmptyLines && r < file.rows.length - 1)
      text += row.eol.repeat(row.emptyLinesAfter);
  });
  return text;
}

type CsvCase = typeof csvFile extends fc.Arbitrary<infer T> ? T : never;

function reference(bytes: Uint8Array, skipEmptyLines: boolean): unknown[] {
  const format = csvFormat('test', { skipEmptyLines });
  return parse(Buffer.from(bytes), { ...parseOptions(format), bom: true, columns: true });
}

/** How many records start in each reader's byte range, by csv-parse's own byte counts. */
function shareSizes(bytes: Uint8Array, parallelism: number): number[] {
  const format = csvFormat('test', {});
  const records = parse(Buffer.from(bytes), {
    ...parseOptions(format),
    bom: true,
    info: true,
  });
  const starts = (records as unknown as Array<{ info: { bytes: number } }>)
    .slice(0, -1)
    .map((r) => r.info.bytes);
  return Array.from({ length: parallelism }, (_, i) => {
    const [piece] = piecesFor([{ path: 'x', size: bytes.length }], i, parallelism);
    return piece ? starts.filter((s) => s >= piece.start && s < piece.end).length : 0;
  });
}

describe('csv source', () => {
  let files: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    files = await tempDir();
  });
  afterAll(() => files.remove());

  it('split across 1..7 readers by byte range reads exactly the rows of a sequential parse', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(csvFile, fc.integer({ min: 1, max: 7 }), async (file, parallelism) => {
        const bytes = Buffer.from(render(file));
        const path = await files.file(`split-${run++}.csv`, bytes);
        const source = csv(path, { skipEmptyLines: file.skipEmptyLines });
        const shares = await readInstances(source, parallelism);
        const expected = reference(bytes, file.skipEmptyLines);
        expect(shares.flat()).toEqual(expected);
        if (!file.skipEmptyLines) {
          expect(shares.map((share) => share.length)).toEqual(shareSizes(bytes, parallelism));
        }
      }),
      { seed: 0x5eed, numRuns: 150 },
    );
  });

  it('finds the same records when reads return chunks of any size', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvFile,
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        async (file, parallelism, sizes) => {
          const bytes = Buffer.from(render(file));
          const format = csvFormat('test', { skipEmptyLines: file.skipEmptyLines });
          const rows: unknown[] = [];
          for (let i = 0; i < parallelism; i++) {
            for (const piece of piecesFor(
              [{ path: 'x.csv', size: bytes.length }],
              i,
              parallelism,
            )) {
              const source = chunked(bytes, sizes);
              for await (const batch of csvRange(format, source, piece.start, piece.end, 'x.csv')) {
                rows.push(...batch);
              }
            }
          }
          expect(rows).toEqual(reference(bytes, file.skipEmptyLines));
        },
      ),
      { seed: 0xc5, numRuns: 200 },
    );
  });

  it('spreads several files over the readers: every file read once, with its own header', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(csvFile, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 7 }),
        async (cases, hasHeaderLine, parallelism) => {
          const paths: string[] = [];
          const expected: unknown[] = [];
          for (const file of cases) {
            // Every file gets one column, so one `header` option fits them all.
            const one = {
              ...file,
              skipEmptyLines: false,
              names: file.names.slice(0, 1),
              rows: file.rows.map((r) => ({ ...r, fields: r.fields.slice(0, 1) })),
            };
            const bytes = Buffer.from(render(one, hasHeaderLine));
            paths.push(await files.file(`multi-${run++}.csv`, bytes));
            const format = csvFormat('test', {});
            expected.push(
              ...parse(bytes, {
                ...parseOptions(format),
                bom: true,
                columns: hasHeaderLine ? true : ['v'],
              }).map((row: unknown) => ({ v: Object.values(row as object)[0] })),
            );
          }
          const source = csv(paths, hasHeaderLine ? {} : { header: ['v'] });
          const rows = (await readInstances(source, parallelism)).flat();
          expect(rows.map((row) => ({ v: Object.values(row)[0] }))).toEqual(expected);
        },
      ),
      { seed: 0x3f, numRuns: 80 },
    );
  });

  it('with a backslash escape, splits as csv-parse reads escaped quotes', async () => {
    const text = fc
      .array(fc.constantFrom('a', ',', '\\"', '\\\\', '\n', '\r\n'), { maxLength: 6 })
      .map((parts) => `"${parts.join('')}"`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(text, text), { maxLength: 20 }),
        fc.integer({ min: 1, max: 7 }),
        async (rows, parallelism) => {
          const body = `x,y\n${rows.map((r) => `${r.join(',')}\n`).join('')}`;
          const bytes = Buffer.from(body);
          const format = csvFormat('test', { escape: '\\' });
          const expected = parse(bytes, { ...parseOptions(format), columns: true });
          const got: unknown[] = [];
          for (let i = 0; i < parallelism; i++) {
            const [piece] = piecesFor([{ path: 'e.csv', size: bytes.length }], i, parallelism);
            if (!piece) continue;
            for await (const batch of csvRange(
              format,
              chunked(bytes, [3, 7]),
              piece.start,
              piece.end,
              'e.csv',
            )) {
              got.push(...batch);
            }
          }
          expect(got).toEqual(expected);
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });
});
