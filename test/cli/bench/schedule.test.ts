import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateSchedule, shareOf } from '../../../cli/bench/schedule.ts';

describe('RateSchedule', () => {
  it('spaces one worker’s operations by 1/rate from the start', () => {
    const schedule = new RateSchedule(5_000, 1_000);
    expect([0, 1, 2, 1000].map((j) => schedule.intendedStart(j))).toEqual([
      5_000, 6_000, 7_000, 1_005_000,
    ]);
  });

  it('interleaves workers into one stream at the whole rate, each seq once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 200 }),
        (workers, rate, perWorker) => {
          const starts: Array<{ seq: number; atUs: number }> = [];
          for (let w = 0; w < workers; w++) {
            const schedule = new RateSchedule(0, rate, w, workers);
            for (let j = 0; j < perWorker; j++) {
              starts.push({ seq: schedule.seq(j), atUs: schedule.intendedStart(j) });
            }
          }
          starts.sort((a, b) => a.seq - b.seq);
          // One assertion per run: expect() in a loop of thousands dominates the test's time.
          const wrong = starts.filter(
            ({ seq, atUs }, k) => seq !== k || Math.abs(atUs - (k * 1e6) / rate) > 1e-6,
          );
          expect(wrong).toEqual([]);
        },
      ),
      { seed: 20261121, numRuns: 200 },
    );
  });

  it('rejects a rate that is not positive and a worker outside the pool', () => {
    expect(() => new RateSchedule(0, 0)).toThrow(/rate must be > 0/);
    expect(() => new RateSchedule(0, Number.NaN)).toThrow(/rate must be > 0/);
    expect(() => new RateSchedule(0, 10, 3, 3)).toThrow(/worker 3 is not in 0 … 2/);
  });
});

describe('shareOf', () => {
  it('splits a total so the shares add up and differ by at most one', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.integer({ min: 1, max: 64 }), (total, workers) => {
        const shares = Array.from({ length: workers }, (_, w) => shareOf(total, w, workers));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});
