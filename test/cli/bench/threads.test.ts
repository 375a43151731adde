import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeResults } from '../../../cli/bench/merge.ts';
import { runOnThreads } from '../../../cli/bench/threads.ts';
import { SluiceError } from '../../../runtime/errors.ts';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
} from '../../../runtime/metrics/histogram.ts';
import type { SimulatedResult, SimulatedSpec } from './fixtures/simulated-worker.ts';

const simulatedWorker = new URL('./fixtures/simulated-worker.ts', import.meta.url);
const histogramWorker = new URL('./fixtures/histogram-worker.ts', import.meta.url);

describe('runOnThreads', () => {
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
    const specs = Array.from({ length: workers }, (_, w) => samples.map((sample) => sample[w]!));
    const results = await runOnThreads<number[][], string[]>(histogramWorker, specs).results;
    samples.forEach((sample, i) => {
      const merged = mergeEncoded(results.map((perWorker) => perWorker[i]!));
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

  it('splits a counted run across threads: every seq exactly once, counts add up', async () => {
    const workers = 2;
    const count = 301;
    const specs: SimulatedSpec[] = Array.from({ length: workers }, (_, worker) => ({
      serviceMs: 1,
      loop: {
        warmupUs: 0,
        count: Math.ceil((count - worker) / workers),
        concurrency: 4,
        worker,
        workers,
      },
    }));
    const run = runOnThreads<SimulatedSpec, SimulatedResult>(simulatedWorker, specs);
    const results = await run.results;
    const seqs = results.flatMap((r) => r.seqs).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: count }, (_, k) => k));
    const merged = mergeResults(results.map((r) => r.result));
    expect(merged.ops).toBe(count);
    expect(merged.latencyUs.count).toBe(count);
    expect(merged.series.reduce((sum, s) => sum + s.ops, 0)).toBe(count);
    // The last progress report is posted after the run ends, so it is exact.
    expect(run.progress()).toEqual({ ops: count, errors: 0 });
  });

  it('fails the whole run, naming the cause, when one worker fails to prepare', async () => {
    const loop = { warmupUs: 0, count: 10, concurrency: 1, worker: 0, workers: 2 };
    const specs: SimulatedSpec[] = [
      { serviceMs: 1, loop },
      { serviceMs: 1, loop: { ...loop, worker: 1 }, failOnPrepare: 'no route to host 10.9.9.9' },
    ];
    const failure = runOnThreads(simulatedWorker, specs).results;
    await expect(failure).rejects.toBeInstanceOf(SluiceError);
    await expect(failure).rejects.toThrow('no route to host 10.9.9.9');
  });

  it('stops every worker when the signal aborts and returns what they measured', async () => {
    const controller = new AbortController();
    const specs: SimulatedSpec[] = [0, 1].map((worker) => ({
      serviceMs: 1,
      loop: { warmupUs: 0, durationUs: 600_000_000, concurrency: 2, rate: 200, worker, workers: 2 },
    }));
    const run = runOnThreads<SimulatedSpec, SimulatedResult>(simulatedWorker, specs, {
      signal: controller.signal,
      onStart: () => controller.abort(),
    });
    const results = await run.results;
    expect(results.map((r) => r.result.isInterrupted)).toEqual([true, true]);
    // A ten-minute run that stopped at once.
    expect(results.every((r) => r.result.ops < 200)).toBe(true);
  });
});

describe('runOnThreads, aborted early', () => {
  it('stops workers that were aborted while they were still preparing', async () => {
    const controller = new AbortController();
    controller.abort();
    const specs: SimulatedSpec[] = [0, 1].map((worker) => ({
      serviceMs: 1,
      loop: { warmupUs: 0, durationUs: 600_000_000, concurrency: 2, rate: 100, worker, workers: 2 },
    }));
    const results = await runOnThreads<SimulatedSpec, SimulatedResult>(simulatedWorker, specs, {
      signal: controller.signal,
    }).results;
    expect(results.map((r) => r.result.isInterrupted)).toEqual([true, true]);
  });
});
