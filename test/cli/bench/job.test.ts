/**
 * The bench job on real worker threads: the pacer and the executor chained in one actor per
 * worker, over a simulated workload on the real clock (the Cassandra runs are in
 * coordinator.cassandra.test.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunShape } from '../../../cli/bench/job.ts';
import { mergeResults } from '../../../cli/bench/merge.ts';
import type { WorkerResult } from '../../../cli/bench/recorder.ts';
import { type JobResult, run } from '../../../index.ts';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
} from '../../../runtime/metrics/histogram.ts';
import type { SimulatedBenchParams } from '../../fixtures/jobs/bench-simulated.ts';

const simulated = new URL('../../fixtures/jobs/bench-simulated.ts', import.meta.url);
const histograms = new URL('../../fixtures/jobs/histograms.ts', import.meta.url);

function params(shape: Partial<RunShape>, extra: Partial<SimulatedBenchParams> = {}) {
  const run: RunShape = {
    warmupUs: 0,
    durationUs: undefined,
    count: undefined,
    concurrency: 4,
    rate: undefined,
    workers: 2,
    ...shape,
  };
  return {
    workload: 'simulated',
    workloadOptions: {} as SimulatedBenchParams['workloadOptions'],
    connection: {},
    run,
    serviceMs: 1,
    ...extra,
  } satisfies SimulatedBenchParams;
}

function workerResults(result: JobResult): WorkerResult[] {
  const [executor] = Object.values(result.sinks);
  return executor!.instances as WorkerResult[];
}

describe('the bench job', () => {
  it('merges HDR histograms recorded on separate threads into exactly the histogram of all values', async () => {
    const workers = 3;
    // Each sample is one dataset per worker; every sample is checked against a histogram
    // recorded from all its values on this thread.
    const samples = fc.sample(
      fc.array(fc.array(fc.integer({ min: 0, max: 600_000_000 }), { maxLength: 400 }), {
        minLength: workers,
        maxLength: workers,
      }),
      { seed: 424242, numRuns: 25 },
    );
    const result = await run(histograms, { params: { datasets: samples, workers }, workers })
      .result;
    const perWorker = Object.values(result.sinks)[0]!.instances as string[][];
    expect(perWorker).toHaveLength(workers);
    samples.forEach((sample, i) => {
      const merged = mergeEncoded(perWorker.map((encoded) => encoded[i]!));
      const direct = createHistogram();
      for (const value of sample.flat()) direct.recordValue(value);
      // Decoding keeps buckets, not exact extremes: compare at the histogram's resolution.
      const expected = decodeHistogram(encodeHistogram(direct));
      expect(merged.totalCount).toBe(expected.totalCount);
      for (const p of [0, 1, 25, 50, 90, 99, 99.9, 100]) {
        expect(merged.getValueAtPercentile(p)).toBe(expected.getValueAtPercentile(p));
      }
      expect(merged.maxValue).toBe(expected.maxValue);
      expect(merged.mean).toBeCloseTo(expected.mean, 6);
      expect(merged.getValueAtPercentile(100)).toBe(direct.getValueAtPercentile(100));
    });
  });

  it('splits a counted run across workers: one actor each, every seq exactly once, counts add up', async () => {
    const count = 301;
    const seqDir = mkdtempSync(join(tmpdir(), 'sluice-bench-job-'));
    const job = run(simulated, { params: params({ count }, { seqDir }), workers: 2 });
    let actors: string[] = [];
    job.once('deployed', (plan) => (actors = plan.actors.map((a) => a.id)));
    const result = await job.result;
    // Source and executor are chained: one actor per worker, no channel between them.
    expect(actors).toHaveLength(2);
    expect(job.plan!.channels).toEqual([]);
    const seqs = [0, 1]
      .flatMap((w) => JSON.parse(readFileSync(join(seqDir, `${w}.json`), 'utf8')) as number[])
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: count }, (_, k) => k));
    const merged = mergeResults(workerResults(result));
    expect(merged.ops).toBe(count);
    expect(merged.latencyUs.count).toBe(count);
    expect(merged.series.reduce((sum, s) => sum + s.ops, 0)).toBe(count);
    // The executors' counters, as progress reads them.
    const sinkStats = result.metrics.actors.map((a) => Object.values(a.sinks)[0]);
    expect(sinkStats).toEqual([
      { ops: 151, errors: 0 },
      { ops: 150, errors: 0 },
    ]);
  });

  it('keeps the rate across workers, measuring from the one start instant', async () => {
    // 400 ops/s for 1.5 s on two workers: 600 operations due, each worker half of them.
    const job = run(simulated, {
      params: params({ rate: 400, durationUs: 1_500_000, concurrency: 8 }),
      workers: 2,
    });
    const results = workerResults(await job.result);
    expect(results.map((r) => r.ops)).toEqual([300, 300]);
    const merged = mergeResults(results);
    // An operation takes 1 ms on an idle loop; none waited for a slot (8 in flight, 1 needed).
    expect(merged.latencyUs.p50).toBeLessThan(20_000);
  });

  it('fails the whole run, naming the cause, when one worker fails to open', async () => {
    const job = run(simulated, {
      params: params(
        { count: 10 },
        { failOnOpen: { instance: 1, message: 'no route to host 10.9.9.9' } },
      ),
      workers: 2,
    });
    await expect(job.result).rejects.toThrow('no route to host 10.9.9.9');
  });

  it('drains: no operation is sent after it, and those in flight complete and count', async () => {
    const seqDir = mkdtempSync(join(tmpdir(), 'sluice-bench-drain-'));
    // A ten-minute run at 200 ops/s, drained once it is under way.
    const job = run(simulated, {
      params: params({ rate: 200, durationUs: 600_000_000 }, { seqDir, serviceMs: 5 }),
      workers: 2,
    });
    job.once('deployed', () => setTimeout(() => job.drain(), 300));
    const result = await job.result;
    expect(result.isDrained).toBe(true);
    const results = workerResults(result);
    const ran = [0, 1].map(
      (w) => (JSON.parse(readFileSync(join(seqDir, `${w}.json`), 'utf8')) as number[]).length,
    );
    // Every operation sent completed and was recorded.
    expect(results.map((r) => r.ops + r.errors)).toEqual(ran);
    expect(ran.every((n) => n > 0 && n < 200)).toBe(true);
  });

  it('drains before the start: nothing is sent', async () => {
    const job = run(simulated, {
      params: params({ rate: 100, durationUs: 600_000_000 }),
      workers: 2,
    });
    job.drain();
    const result = await job.result;
    expect(result.isDrained).toBe(true);
    expect(workerResults(result).map((r) => r.ops)).toEqual([0, 0]);
  });
});
