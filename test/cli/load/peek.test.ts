import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateRows, firstRecordWidth } from '../../../cli/load/peek.ts';
import { RateWindow } from '../../../cli/load/progress.ts';
import { inputFile } from '../../../connectors/files/inputs.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-peek-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, data: string | Buffer) {
  const path = join(dir, name);
  await writeFile(path, data);
  return inputFile(path);
}

/** Rows whose lines grow along the file, as ids and counters do. */
function growing(rows: number): string {
  return `id,name\n${Array.from({ length: rows }, (_, i) => `${i},name ${i}`).join('\n')}\n`;
}

describe('estimateRows', () => {
  it('counts a small file exactly, minus its header', async () => {
    expect((await estimateRows([await file('small.csv', growing(100))], 1)).rows).toBe(100);
  });

  it('lands within 5% on a large file whose lines grow along it', async () => {
    const rows = 300_000;
    const estimate = await estimateRows([await file('large.csv', growing(rows))], 1);
    expect(Math.abs(estimate.rows - rows) / rows).toBeLessThan(0.05);
  });

  it('sizes a gzip file by the uncompressed size in its trailer', async () => {
    const text = growing(50_000);
    const gz = await file('large.gz', gzipSync(text));
    const estimate = await estimateRows([gz], 1);
    expect(estimate.bytes).toBe(Buffer.byteLength(text));
    expect(Math.abs(estimate.rows - 50_000) / 50_000).toBeLessThan(0.15);
  });

  it('of many files, samples some and lets them stand for the rest', async () => {
    const many = [];
    for (let i = 0; i < 100; i++) many.push(await file(`many-${i}.csv`, growing(200)));
    const estimate = await estimateRows(many, 1);
    expect(Math.abs(estimate.rows - 20_000) / 20_000).toBeLessThan(0.05);
  });

  it('a tiny gzip file (larger than its text) is counted from its inflated content', async () => {
    expect((await estimateRows([await file('tiny.gz', gzipSync('id\n1\n'))], 1)).rows).toBe(1);
  });

  it('adds files up; empty files count nothing', async () => {
    const files = [
      await file('a.csv', growing(10)),
      await file('empty.csv', ''),
      await file('b.csv', growing(20)),
    ];
    expect((await estimateRows(files, 1)).rows).toBe(30);
  });
});

describe('firstRecordWidth', () => {
  it('counts the fields of the first record, quoted line breaks included, gzip or not', async () => {
    const text = '"a\nb",2,"x,y"\n1,2\n';
    expect(await firstRecordWidth(await file('w.csv', text), ',')).toBe(3);
    expect(await firstRecordWidth(await file('w.gz', gzipSync(text)), ',')).toBe(3);
    expect(await firstRecordWidth(await file('t.tsv', 'a\tb\n'), '\t')).toBe(2);
  });

  it('names the file when its first record is malformed', async () => {
    const bad = await file('bad.csv', '"open,1\n');
    await expect(firstRecordWidth(bad, ',')).rejects.toThrow(`${bad.path}:1:`);
  });
});

describe('RateWindow', () => {
  it('averages over the window, so bursts do not swing the rate to zero', () => {
    const rate = new RateWindow(2000);
    expect(rate.add(0, 0)).toBe(0);
    expect(rate.add(500, 1000)).toBe(2000);
    // No rows in this interval: the windowed rate stays at the mean, not 0.
    expect(rate.add(1000, 1000)).toBe(1000);
    expect(rate.add(1500, 3000)).toBe(2000);
    // Points older than the window drop out.
    expect(rate.add(4000, 3000)).toBe(0);
  });
});
