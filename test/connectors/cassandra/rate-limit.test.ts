import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  concurrencyShare,
  RateLimit,
  rateShare,
  TokenBucket,
} from '../../../connectors/cassandra/rate-limit.ts';
import { ConfigError } from '../../../runtime/errors.ts';

const SEED = Number(process.env.SLUICE_TEST_SEED ?? 2026);

/**
 * Sends requests of the given sizes as soon as `limit` lets them, on a simulated clock that
 * jumps to each moment the limit names. Returns when each request went.
 */
function sendAll(limit: RateLimit, sizes: readonly { rows: number; bytes: number }[]): number[] {
  const sentAt: number[] = [];
  let now = 0;
  for (const { rows, bytes } of sizes) {
    for (;;) {
      const wait = limit.tryTake(rows, bytes, now);
      if (wait === 0) break;
      expect(wait).toBeGreaterThan(0);
      now += wait;
    }
    sentAt.push(now);
  }
  return sentAt;
}

describe('token bucket', () => {
  it('starts full with BURST_MS of its rate, then lets requests through at the rate', () => {
    const bucket = new TokenBucket(1000, 0);
    expect(bucket.capacity).toBe(100);
    expect(bucket.delayMs(100, 0)).toBe(0);
    bucket.take(100);
    expect(bucket.delayMs(1, 0)).toBeCloseTo(1);
    expect(bucket.delayMs(50, 0)).toBeCloseTo(50);
    expect(bucket.delayMs(50, 50)).toBe(0);
  });

  it('lets a request larger than the bucket go once the bucket is full, into debt', () => {
    const bucket = new TokenBucket(10, 0);
    expect(bucket.capacity).toBe(1);
    expect(bucket.delayMs(32, 0)).toBe(0);
    bucket.take(32);
    // 31 tokens of debt and one to refill: 3.2 s at 10/s.
    expect(bucket.delayMs(1, 0)).toBeCloseTo(3200);
  });

  it('never holds more than its capacity, however long it was idle', () => {
    const bucket = new TokenBucket(1000, 0);
    bucket.take(100);
    expect(bucket.delayMs(100, 1_000_000)).toBe(0);
    bucket.take(100);
    expect(bucket.delayMs(1, 1_000_000)).toBeGreaterThan(0);
  });
});

describe('rate limit', () => {
  it('over any span, sends at most burst + rate × span + the largest request (seeded property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 100_000, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 200 }),
        (perSecond, sizes) => {
          const limit = new RateLimit({ rowsPerSecond: perSecond, bytesPerSecond: undefined }, 0);
          const sentAt = sendAll(
            limit,
            sizes.map((rows) => ({ rows, bytes: 0 })),
          );
          const burst = Math.max(1, perSecond / 10);
          const largest = Math.max(...sizes);
          // Every span [sentAt[i], sentAt[j]]: the rows sent in it, over the bound.
          let worst = Number.NEGATIVE_INFINITY;
          for (let i = 0; i < sizes.length; i++) {
            let rows = 0;
            for (let j = i; j < sizes.length; j++) {
              rows += sizes[j]!;
              const span = sentAt[j]! - sentAt[i]!;
              worst = Math.max(worst, rows - (burst + (perSecond * span) / 1000 + largest));
            }
          }
          expect(worst).toBeLessThanOrEqual(1e-6);
          // And it does not hold requests back for nothing: the last went when the rate allowed.
          const total = sizes.reduce((a, b) => a + b, 0);
          const last = sentAt.at(-1)!;
          expect(last).toBeLessThanOrEqual(((total - sizes.at(-1)!) / perSecond) * 1000 + 1e-6);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('a request goes only when both buckets let it, and takes from each', () => {
    const limit = new RateLimit({ rowsPerSecond: 1000, bytesPerSecond: 10_000 }, 0);
    // 100 rows fit the row bucket; 1000 bytes fill the byte bucket.
    expect(limit.tryTake(10, 1000, 0)).toBe(0);
    // The byte bucket is empty: nothing is taken from the row bucket either.
    expect(limit.tryTake(10, 100, 0)).toBeCloseTo(10);
    expect(limit.tryTake(90, 100, 10)).toBe(0);
    expect(limit.tryTake(11, 0, 10)).toBeCloseTo(1);
  });
});

describe('shares of whole-sink limits', () => {
  it('in-flight requests: equal shares, the remainder to the first instances, adding up to the total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 5000 }),
        (p, extra) => {
          const total = p + extra - 1;
          const shares = Array.from({ length: p }, (_, i) => concurrencyShare(total, i, p));
          expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
          expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
          expect(shares).toEqual([...shares].sort((a, b) => b - a));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
    expect([0, 1, 2].map((i) => concurrencyShare(8, i, 3))).toEqual([3, 3, 2]);
  });

  it('fewer in-flight requests than instances is an error naming the option', () => {
    expect(() => concurrencyShare(2, 2, 3)).toThrow(ConfigError);
    expect(() => concurrencyShare(2, 2, 3)).toThrow(
      "maxConcurrentQueries (2) must be at least the sink's parallelism (3)",
    );
  });

  it('rates: an equal part to each instance', () => {
    expect(rateShare({ rowsPerSecond: 1000, bytesPerSecond: undefined }, 4)).toEqual({
      rowsPerSecond: 250,
      bytesPerSecond: undefined,
    });
    expect(rateShare({ rowsPerSecond: undefined, bytesPerSecond: 3e6 }, 3)).toEqual({
      rowsPerSecond: undefined,
      bytesPerSecond: 1e6,
    });
  });
});
