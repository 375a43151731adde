import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { piecesFor } from '../../../connectors/files/byte-ranges.ts';
import { csv } from '../../../connectors/files/csv-source.ts';
import {
  expandGlob,
  globMatcher,
  gunzipChunks,
  inputFile,
  isStdin,
  maybeGunzip,
  resolveInputs,
  splitInputs,
} from '../../../connectors/files/inputs.ts';
import { jsonl } from '../../../connectors/files/jsonl-source.ts';
import { ConfigError, ConnectorError } from '../../../runtime/errors.ts';
import { chunked, readInstances, tempDir } from './helpers.ts';

const SEED = Number(process.env.SLUICE_TEST_SEED ?? 2026);

async function drain(source: { read(): Promise<Uint8Array | null> }): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let c = await source.read(); c; c = await source.read()) parts.push(c);
  return Buffer.concat(parts);
}

describe('resolveInputs', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    t = await tempDir();
    await t.file('b.csv', 'id\n2\n');
    await t.file('a.csv', 'id\n1\n');
    await t.file('notes.txt', 'not data');
    await t.file('.hidden.csv', 'id\n9\n');
    await t.file('z.csv.gz', gzipSync('id\n3\n'));
    // gzip content under a plain name, and plain text under a .gz name
    await t.file('misnamed.csv', gzipSync('id\n4\n'));
    await t.file('plain.gz', 'id\n5\n');
    await mkdir(join(t.dir, 'sub', 'deep'), { recursive: true });
    await t.file('sub/c.csv', 'id\n6\n');
    await t.file('sub/deep/d.csv', 'id\n7\n');
    await mkdir(join(t.dir, 'empty'));
  });
  afterAll(() => t.remove());

  it('a directory gives its files, sorted, hidden ones skipped, filtered by extension', async () => {
    const files = await resolveInputs(t.dir, { extensions: ['.csv', '.csv.gz'] });
    expect(files.map((f) => f.path)).toEqual(
      ['a.csv', 'b.csv', 'misnamed.csv', 'z.csv.gz'].map((n) => join(t.dir, n)),
    );
  });

  it('recursive descends into subdirectories; no extension filter takes every file', async () => {
    const files = await resolveInputs(t.dir, { recursive: true, extensions: ['.csv'] });
    expect(files.map((f) => f.path.slice(t.dir.length + 1))).toEqual([
      'a.csv',
      'b.csv',
      'misnamed.csv',
      'sub/c.csv',
      'sub/deep/d.csv',
    ]);
    const all = await resolveInputs(t.dir);
    expect(all.map((f) => f.path.slice(t.dir.length + 1))).toContain('notes.txt');
  });

  it('gzip is told by the magic bytes, not by the name', async () => {
    expect((await inputFile(join(t.dir, 'misnamed.csv'))).isGzip).toBe(true);
    expect((await inputFile(join(t.dir, 'plain.gz'))).isGzip).toBe(false);
    expect((await inputFile(join(t.dir, 'z.csv.gz'))).isGzip).toBe(true);
    expect((await inputFile(join(t.dir, 'a.csv'))).isGzip).toBe(false);
  });

  it('globs: *, **, ?, classes and alternatives; a file named twice is read once', async () => {
    const rel = async (pattern: string) =>
      (await resolveInputs(join(t.dir, pattern))).map((f) => f.path.slice(t.dir.length + 1));
    expect(await rel('*.csv')).toEqual(['a.csv', 'b.csv', 'misnamed.csv']);
    expect(await rel('**/*.csv')).toEqual([
      'a.csv',
      'b.csv',
      'misnamed.csv',
      'sub/c.csv',
      'sub/deep/d.csv',
    ]);
    expect(await rel('[ab].csv')).toEqual(['a.csv', 'b.csv']);
    expect(await rel('{a,z}.csv*')).toEqual(['a.csv', 'z.csv.gz']);
    expect(await rel('sub/*/?.csv')).toEqual(['sub/deep/d.csv']);
    const twice = await resolveInputs(`${join(t.dir, 'a.csv')}, ${join(t.dir, '[a].csv')}`);
    expect(twice.map((f) => f.path)).toEqual([join(t.dir, 'a.csv')]);
  });

  it('several comma-separated inputs keep their order', async () => {
    const files = await resolveInputs(`${join(t.dir, 'sub')},${join(t.dir, 'a.csv')}`);
    expect(files.map((f) => f.path)).toEqual([join(t.dir, 'sub', 'c.csv'), join(t.dir, 'a.csv')]);
  });

  it('names a path that does not exist, and says when nothing matched', async () => {
    const missing = join(t.dir, 'missing.csv');
    await expect(resolveInputs(missing)).rejects.toThrow(
      new RegExp(`input ${missing}: no such file or directory`),
    );
    await expect(resolveInputs(join(t.dir, '*.parquet'))).rejects.toThrow(/nothing matched/);
    await expect(resolveInputs(join(t.dir, 'empty'))).rejects.toThrow(
      /the directory holds no files/,
    );
    await expect(resolveInputs(join(t.dir, 'nowhere', '*.csv'))).rejects.toBeInstanceOf(
      ConnectorError,
    );
  });

  it('a symbolic link to a file is read; one to a directory is not followed', async () => {
    await symlink(join(t.dir, 'a.csv'), join(t.dir, 'sub', 'link.csv'));
    // A link back up the tree: following it would never end.
    await symlink(t.dir, join(t.dir, 'sub', 'deep', 'loop'));
    const files = await resolveInputs(join(t.dir, 'sub'), {
      extensions: ['.csv'],
      recursive: true,
    });
    expect(files.map((f) => f.path.slice(t.dir.length + 1))).toEqual([
      'sub/c.csv',
      'sub/deep/d.csv',
      'sub/link.csv',
    ]);
  });

  it('stdin is "-" alone', () => {
    expect(isStdin('-')).toBe(true);
    expect(isStdin(' - ')).toBe(true);
    expect(isStdin('a.csv')).toBe(false);
    expect(() => splitInputs('-,a.csv')).toThrow(ConfigError);
    expect(() => splitInputs(' , ')).toThrow(/no input given/);
    expect(splitInputs('a.csv, {b,c}.csv,d/')).toEqual(['a.csv', '{b,c}.csv', 'd/']);
    expect(splitInputs('file:///data/x%20y.csv')).toEqual(['/data/x y.csv']);
    expect(() => splitInputs('https://example.com/x.csv')).toThrow(/https URLs are not supported/);
  });
});

describe('globMatcher', () => {
  it('* stays within a segment, ** crosses them, dot files need an explicit dot', () => {
    const m = globMatcher('**/*.csv');
    expect(m('a.csv')).toBe(true);
    expect(m('x/y/a.csv')).toBe(true);
    expect(m('x/.y/a.csv')).toBe(false);
    expect(m('.a.csv')).toBe(false);
    expect(globMatcher('*.csv')('x/a.csv')).toBe(false);
    expect(globMatcher('[!a]*.csv')('b.csv')).toBe(true);
    expect(globMatcher('[!a]*.csv')('a.csv')).toBe(false);
    expect(globMatcher('data(1).csv')('data(1).csv')).toBe(true);
    expect(globMatcher('data+.csv')('dataa.csv')).toBe(false);
  });

  it('an unmatched glob in a directory that does not exist says nothing matched', async () => {
    await expect(expandGlob('/nonexistent-sluice/*.csv')).rejects.toThrow(/nothing matched/);
  });
});

describe('gzip streams', () => {
  it('inflates concatenated members, from chunks of any size', async () => {
    const text = 'a,b\n1,2\n'.repeat(500);
    const twoMembers = Buffer.concat([gzipSync(text), gzipSync('tail\n')]);
    for (const sizes of [[1], [7, 3], [4096]]) {
      const out = await drain(gunzipChunks(chunked(twoMembers, sizes), 'x.gz'));
      expect(out.toString()).toBe(`${text}tail\n`);
    }
  });

  it('a corrupt stream fails naming the input', async () => {
    const corrupt = gzipSync('hello world\n'.repeat(100));
    corrupt[20] = corrupt[20]! ^ 0xff;
    await expect(drain(gunzipChunks(chunked(corrupt, [16]), 'bad.gz'))).rejects.toThrow(
      /bad\.gz: not a valid gzip stream/,
    );
  });

  it('maybeGunzip decides by the first bytes, even if they come one at a time', async () => {
    const text = Buffer.from('x,y\n1,2\n');
    expect((await drain(maybeGunzip(chunked(gzipSync(text), [1]), '-'))).equals(text)).toBe(true);
    expect((await drain(maybeGunzip(chunked(text, [1]), '-'))).equals(text)).toBe(true);
    expect((await drain(maybeGunzip(chunked(Buffer.alloc(0), [1]), '-'))).length).toBe(0);
  });
});

describe('piecesFor with gzip files', () => {
  it('plain bytes are covered once by ranges; each gzip file goes whole to one reader', () => {
    const file = fc.record({ size: fc.nat({ max: 5000 }), isGzip: fc.boolean() });
    fc.assert(
      fc.property(fc.array(file, { maxLength: 8 }), fc.integer({ min: 1, max: 6 }), (specs, n) => {
        const files = specs.map((s, i) => ({ path: `f${i}`, ...s }));
        const all = Array.from({ length: n }, (_, i) => piecesFor(files, i, n)).flat();
        for (const f of files) {
          const mine = all.filter((p) => p.path === f.path);
          if (f.isGzip) {
            expect(mine).toEqual([
              { path: f.path, start: 0, end: f.size, isWhole: true, isGzip: true },
            ]);
          } else {
            let at = 0;
            for (const p of mine.sort((a, b) => a.start - b.start)) {
              expect(p.start).toBe(at);
              at = p.end;
            }
            expect(at).toBe(f.size);
            expect(mine.every((p) => !p.isWhole)).toBe(true);
          }
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('spreads gzip files over the readers by size', () => {
    const files = [10, 9, 8, 1].map((size, i) => ({ path: `g${i}`, size, isGzip: true }));
    const owners = [0, 1].map((i) => piecesFor(files, i, 2).map((p) => p.path));
    expect(owners).toEqual([
      ['g0', 'g3'],
      ['g1', 'g2'],
    ]);
  });
});

describe('csv and jsonl sources over the new inputs', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    t = await tempDir();
  });
  afterAll(() => t.remove());

  it('plain and gzip CSV files mixed: every row read once by any number of readers', async () => {
    const body = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `${from + i},"v ${from + i}\nline two"\n`).join('');
    await mkdir(join(t.dir, 'mix'));
    await t.file('mix/1.csv', `id,v\n${body(0, 300)}`);
    await t.file('mix/2.csv.gz', gzipSync(`id,v\n${body(300, 200)}`));
    await t.file('mix/3.data', gzipSync(`id,v\n${body(500, 50)}`));
    await t.file('mix/4.csv', `id,v\n${body(550, 120)}`);
    const source = csv(join(t.dir, 'mix', '*'));
    for (const n of [1, 2, 3, 5]) {
      const rows = (await readInstances(source, n)).flat();
      const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: 670 }, (_, i) => i));
      expect(rows.find((r) => r.id === '512')?.v).toBe('v 512\nline two');
    }
  });

  it('sourceField gives each row the file and the line its record starts on', async () => {
    const text =
      'id,note\r\n1,plain\r\n2,"two\r\nlines"\r\n\r\n3,"a ""quoted"" one"\r\n4,"x\n\ny"\r\n5,last';
    const path = await t.file('lines.csv', text);
    const gz = await t.file('lines.gz', gzipSync(text));
    expect(parse(text, { columns: true, skip_empty_lines: true })).toHaveLength(5);
    for (const n of [1, 2, 4]) {
      const rows = (
        await readInstances(csv(path, { sourceField: 'src', skipEmptyLines: true }), n)
      ).flat();
      expect(rows.map((r) => r.src)).toEqual([2, 3, 6, 7, 10].map((l) => `${path}:${l}`));
    }
    const zipped = (await readInstances(csv(gz, { sourceField: 'src', skipEmptyLines: true }), 3))
      .flat()
      .map((r) => r.src);
    expect(zipped).toEqual([2, 3, 6, 7, 10].map((l) => `${gz}:${l}`));
  });

  it('a CSV column with the sourceField name fails clearly', async () => {
    const path = await t.file('clash.csv', 'id,src\n1,2\n');
    await expect(readInstances(csv(path, { sourceField: 'src' }), 1)).rejects.toThrow(
      /has a column named 'src'/,
    );
  });

  it('jsonl tags objects with file:line across readers and reads gzip whole', async () => {
    const lines = Array.from({ length: 400 }, (_, i) =>
      i % 50 === 7 ? '' : JSON.stringify({ i, s: 'é'.repeat(i % 5) }),
    );
    const text = `${lines.join('\n')}\n`;
    const path = await t.file('v.jsonl', text);
    const gz = await t.file('v.jsonl.gz', gzipSync(text));
    for (const [file, n] of [
      [path, 3],
      [gz, 2],
    ] as const) {
      const values = (await readInstances(jsonl(file, { sourceField: 'at' }), n)).flat() as Array<{
        i: number;
        at: string;
      }>;
      expect(values).toHaveLength(lines.filter((l) => l !== '').length);
      for (const v of values) expect(v.at).toBe(`${file}:${v.i + 1}`);
    }
  });

  it('rejects bad input options when the graph is built', () => {
    expect(() => csv('x.csv', { recursive: 'yes' as unknown as boolean })).toThrow(/recursive/);
    expect(() => jsonl('x.jsonl', { extensions: [''] })).toThrow(/extensions/);
    expect(() => csv('x.csv', { sourceField: '' })).toThrow(/sourceField/);
  });
});
