import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv } from '../../../connectors/files/csv-source.ts';
import { ConfigError, ConnectorError } from '../../../runtime/errors.ts';
import { readInstances, tempDir } from './helpers.ts';

/** Rows of two columns, some spanning lines, with one bad record somewhere. */
const badFile = fc.record({
  rows: fc.array(fc.constantFrom('1,x', '2,"a\nb"', '3,"c,""d"""', '4,"\r\n\r\n"'), {
    minLength: 1,
    maxLength: 25,
  }),
  badAt: fc.nat(),
  bad: fc.constantFrom(
    { row: '5,x,extra', kind: 'columns' },
    { row: 'z,"multi\nline"', kind: 'int' },
    { row: '6,"ab"c', kind: 'quote' },
  ),
});

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('csv source errors', () => {
  let files: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    files = await tempDir();
  });
  afterAll(() => files.remove());

  it('name the file and the line of a malformed record, for any number of readers', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(badFile, fc.integer({ min: 1, max: 7 }), async (file, parallelism) => {
        const rows: string[] = [...file.rows];
        const at = file.badAt % (rows.length + 1);
        rows.splice(at, 0, file.bad.row);
        const text = `n,s\n${rows.join('\n')}\n`;
        const path = await files.file(`bad-${run++}.csv`, text);
        const error = await failure(
          readInstances(csv(path, { columns: { n: 'int' } }), parallelism),
        );
        // The line where the bad record starts: one header line, then the earlier records' lines.
        const startLine = 2 + rows.slice(0, at).join('\n').split('\n').length - (at === 0 ? 1 : 0);
        const message =
          file.bad.kind === 'int'
            ? `column 'n': "z" is not a valid int`
            : file.bad.kind === 'columns'
              ? '3 fields where the header has 2'
              : 'Invalid Closing Quote';
        expect(error.message.startsWith(`${path}:${startLine}: ${message}`)).toBe(true);
        expect(error.details).toEqual({ line: startLine });
      }),
      { seed: 11, numRuns: 80 },
    );
  });

  it('names the file and line of an unterminated quote, and of invalid UTF-8', async () => {
    const open = await files.file('open.csv', 'a,b\n1,2\n3,"never closed\n4,5\n');
    expect((await failure(readInstances(csv(open), 1))).message).toMatch(
      new RegExp(`^${open}:3: Quote Not Closed`),
    );
    const latin1 = await files.file('latin1.csv', Buffer.from('a,b\n1,2\n3,caf\xe9\n', 'latin1'));
    expect((await failure(readInstances(csv(latin1), 1))).message).toBe(
      `${latin1}:3: invalid UTF-8 (a Windows-1252 or Latin-1 file? convert it first: iconv -f WINDOWS-1252 -t UTF-8)`,
    );
  });

  it('refuses a record longer than maxRecordBytes instead of buffering the whole file', async () => {
    const path = await files.file('long.csv', `a\n"${'x'.repeat(5000)}\n`);
    const error = await failure(readInstances(csv(path, { maxRecordBytes: 1024 }), 1));
    expect(error.message).toMatch(/line 2 is longer than 1024 bytes \(maxRecordBytes\)/);
  });

  it('name a header that lacks a typed column, and a missing file', async () => {
    const path = await files.file('h.csv', 'a,b\n1,2\n');
    expect((await failure(readInstances(csv(path, { columns: { c: 'int' } }), 2))).message).toBe(
      `${path}:1: the header has no column 'c' (option columns)`,
    );
    await expect(readInstances(csv(`${files.dir}/none.csv`), 1)).rejects.toThrow(/none\.csv/);
  });

  it('rejects bad configuration eagerly, naming the option', () => {
    const cases: Array<[unknown, unknown, RegExp]> = [
      [42, {}, /path/],
      [[], {}, /path/],
      ['a.csv', { delimiter: '' }, /'delimiter'/],
      ['a.csv', { quote: 'ab' }, /'quote'/],
      ['a.csv', { escape: '\n' }, /'escape'/],
      ['a.csv', { header: [] }, /'header'/],
      ['a.csv', { header: ['a', 'a'] }, /'header'/],
      ['a.csv', { columns: { a: 'varchar' } }, /'columns\.a'/],
      ['a.csv', { header: ['a'], columns: { b: 'int' } }, /'columns\.b'/],
      ['a.csv', { encoding: 'latin1' }, /'encoding'/],
      ['a.csv', { nullValue: 0 }, /'nullValue'/],
      ['a.csv', { skipEmtyLines: true }, /unknown option 'skipEmtyLines'/],
    ];
    for (const [path, options, message] of cases) {
      expect(() => csv(path as string, options as never)).toThrow(ConfigError);
      expect(() => csv(path as string, options as never)).toThrow(message);
    }
  });
});
