/**
 * `drain()`: the sources stop reading, and everything they read is processed and written.
 * Across real worker threads, through a channel, for a reader that can stop early and one
 * that cannot.
 */

import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JobStats, run } from '../../../index.ts';
import type { DrainParams, Tagged } from '../../fixtures/jobs/drain.ts';

const drainJob = new URL('../../fixtures/jobs/drain.ts', import.meta.url);

async function drainAfter(params: DrainParams, records: number) {
  const job = run(drainJob, { params, workers: 2, progressIntervalMs: 50 });
  // A job that fails before the drain must fail the test, not leave it waiting for progress.
  const failed = job.result.then(() => {
    throw new Error('the job ended before the drain');
  });
  let stats: JobStats;
  do [stats] = await Promise.race([once(job, 'progress') as Promise<[JobStats]>, failed]);
  while (stats.recordsIn < records);
  job.drain();
  const result = await job.result;
  const collected = Object.values(result.sinks)[0]!.instances.flat() as Tagged[];
  return { result, collected, readBeforeDrain: stats.recordsIn };
}

/** Each source instance's seqs, sorted: a drained job must give 0 … n − 1 for each. */
function runsOf(records: Tagged[]): number[][] {
  const runs: number[][] = [[], []];
  for (const r of records) runs[r.instance]!.push(r.seq);
  return runs.map((seqs) => seqs.sort((a, b) => a - b));
}

describe('JobHandle.drain', () => {
  it('ends a paced source early and delivers every record it produced, once', async () => {
    const { result, collected, readBeforeDrain } = await drainAfter({ mode: 'generate' }, 4_000);
    expect(result.isDrained).toBe(true);
    expect(result.metrics.state).toBe('finished');
    expect(collected.length).toBeGreaterThanOrEqual(readBeforeDrain);
    expect(collected.length).toBe(result.metrics.recordsIn);
    for (const seqs of runsOf(collected)) {
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
  });

  it('lets the batch being read go through when the reader cannot stop early', async () => {
    const handedOutDir = mkdtempSync(join(tmpdir(), 'sluice-drain-'));
    const { result, collected, readBeforeDrain } = await drainAfter(
      { mode: 'batches', handedOutDir },
      1_000,
    );
    expect(result.isDrained).toBe(true);
    expect(collected.length).toBe(result.metrics.recordsIn);
    // At most the batch each reader was reading arrives after the drain.
    expect(collected.length).toBeLessThanOrEqual(readBeforeDrain + 2 * 2 * 100);
    runsOf(collected).forEach((seqs, instance) => {
      // Every record a reader handed out arrived, the last batch included.
      expect(seqs.length).toBe(Number(readFileSync(join(handedOutDir, String(instance)), 'utf8')));
      expect(seqs).toEqual(seqs.map((_, i) => i));
    });
  });

  it('is a no-op on a finished job and leaves a normal result unmarked', async () => {
    const job = run(new URL('../../fixtures/jobs/yielding.ts', import.meta.url), {
      params: { count: 1000 },
      workers: 1,
    });
    const result = await job.result;
    expect(result.isDrained).toBe(false);
    job.drain();
  });
});
