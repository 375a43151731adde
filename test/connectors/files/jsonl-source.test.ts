import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piecesFor } from '../../../connectors/files/byte-ranges.ts';
import { jsonl } from '../../../connectors/files/jsonl-source.ts';
import { ConfigError, ConnectorError } from '../../../runtime/errors.ts';
import { readInstances, tempDir } from './helpers.ts';

const value = fc.record({
  id: fc.integer(),
  text: fc.string({ unit: 'grapheme', maxLength: 8 }),
  nested: fc.option(
    fc.array(
      fc.oneof(
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom('a\nb', '"q"', '\r\n'),
      ),
      { maxLength: 3 },
    ),
  ),
});

const jsonlFile = fc.record({
  lines: fc.array(
    fc.record({
      value,
      eol: fc.constantFrom('\n', '\r\n'),
      blankAfter: fc.constantFrom('', '\n', '  \r\n'),
    }),
    { maxLength: 30 },
  ),
  hasTrailingEol: fc.boolean(),
});

/** The text, and the byte offset where each value's line starts. */
function render(file: typeof jsonlFile extends fc.Arbitrary<infer T> ? T : never) {
  let text = '';
  const starts: number[] = [];
  file.lines.forEach((l, i) => {
    starts.push(Buffer.byteLength(text));
    text += JSON.stringify(l.value);
    if (i < file.lines.length - 1 || file.hasTrailingEol) text += l.eol + l.blankAfter;
  });
  return { text, starts };
}

describe('jsonl source', () => {
  let files: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    files = await tempDir();
  });
  afterAll(() => files.remove());

  it('split across 1..7 readers by byte range reads every line exactly once, in order', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(jsonlFile, fc.integer({ min: 1, max: 7 }), async (file, parallelism) => {
        const { text, starts } = render(file);
        const path = await files.file(`split-${run++}.jsonl`, text);
        const shares = await readInstances(jsonl(path), parallelism);
        expect(shares.flat()).toEqual(file.lines.map((l) => l.value));
        // Each reader holds exactly the lines that start in its byte range.
        const size = Buffer.byteLength(text);
        expect(shares.map((share) => share.length)).toEqual(
          Array.from({ length: parallelism }, (_, i) => {
            const [piece] = piecesFor([{ path, size }], i, parallelism);
            return piece ? starts.filter((at) => at >= piece.start && at < piece.end).length : 0;
          }),
        );
      }),
      { seed: 0x15, numRuns: 120 },
    );
  });

  it('names the file and the true line of a bad line, whichever reader meets it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.integer({ min: 1, max: 7 }),
        async (count, bad, parallelism) => {
          const badLine = (bad % count) + 1;
          const lines = Array.from({ length: count }, (_, i) =>
            i + 1 === badLine ? '{"id": 1,,}' : JSON.stringify({ id: i, pad: 'x'.repeat(i % 5) }),
          );
          const path = await files.file(`bad-${count}-${bad}.jsonl`, `${lines.join('\n')}\n`);
          const error = await readInstances(jsonl(path), parallelism).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(ConnectorError);
          expect((error as ConnectorError).message).toContain(`${path}:${badLine}: `);
          expect((error as ConnectorError).details).toEqual({ line: badLine });
        },
      ),
      { seed: 3, numRuns: 40 },
    );
  });

  it('rejects bad configuration eagerly, naming the option', () => {
    expect(() => jsonl('')).toThrow(ConfigError);
    expect(() => jsonl([])).toThrow(/path/);
    expect(() => jsonl('a.jsonl', { maxRecordBytes: 0 })).toThrow(/'maxRecordBytes'/);
    expect(() => jsonl('a.jsonl', { nope: 1 } as never)).toThrow(/unknown option 'nope'/);
  });

  it('names the file it cannot open', async () => {
    const source = jsonl(`${files.dir}/missing.jsonl`);
    await expect(readInstances(source, 1)).rejects.toThrow(/missing\.jsonl/);
  });
});
