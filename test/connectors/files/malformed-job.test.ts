/**
 * Malformed records in a real job on worker threads: with `from(source, { rejects })` they
 * reach the side output, from every reader, and count as read; without it the first one
 * fails the job, naming the file and the line.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../index.ts';
import type { MalformedRecord } from '../../../runtime/graph/connector.ts';
import { tempDir } from './helpers.ts';

const JOB = new URL('../../fixtures/jobs/malformed.ts', import.meta.url);

describe('a source with rejects, on worker threads', () => {
  let files: Awaited<ReturnType<typeof tempDir>>;
  let file: string;
  const badLines: number[] = [];
  beforeAll(async () => {
    files = await tempDir();
    const lines = ['n,s'];
    for (let i = 0; i < 20_000; i++) {
      // Every 997th record has a field too many; every 1999th a stray quote.
      if (i % 997 === 5) {
        lines.push(`${i},x,extra`);
        badLines.push(lines.length);
      } else if (i % 1999 === 7) {
        lines.push(`${i},ab"c`);
        badLines.push(lines.length);
      } else lines.push(`${i},"row ${i}"`);
    }
    file = await files.file('many.csv', `${lines.join('\n')}\n`);
  });
  afterAll(() => files.remove());

  it('sends each malformed record to the side output once, and reads on', async () => {
    const result = await run(JOB, { params: { file, keep: true }, workers: 3 }).result;
    const rows = Object.entries(result.sinks)
      .filter(([id]) => id.startsWith('rows#'))
      .flatMap(([, s]) => s.instances.flat()) as Array<{ n: number }>;
    const bad = Object.entries(result.sinks)
      .filter(([id]) => id.startsWith('bad#'))
      .flatMap(([, s]) => s.instances.flat()) as MalformedRecord[];
    expect(rows.length + bad.length).toBe(20_000);
    expect(new Set(rows.map((r) => r.n)).size).toBe(rows.length);
    expect(bad.map((b) => Number(b.source.split(':').pop())).sort((a, b) => a - b)).toEqual(
      badLines,
    );
    expect(result.metrics.recordsIn).toBe(20_000);
  });

  it('without rejects, the first malformed record fails the job with its file and line', async () => {
    await expect(run(JOB, { params: { file, keep: false }, workers: 2 }).result).rejects.toThrow(
      new RegExp(`${file}:\\d+: (3 fields where the header has 2|Invalid Opening Quote)`),
    );
  });
});
