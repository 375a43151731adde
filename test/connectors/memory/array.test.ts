import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromArray } from '../../../connectors/memory/index.ts';
import { ConfigError } from '../../../runtime/errors.ts';
import { readInstances } from '../files/helpers.ts';

describe('fromArray', () => {
  it('gives instance i the contiguous chunk i of n: in instance order, the array once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 50 }),
        async (items, parallelism, batchSize) => {
          const shares = await readInstances(fromArray(items, { batchSize }), parallelism);
          expect(shares.flat()).toEqual(items);
          // Chunks differ in size by at most one: no instance is left with the remainder.
          const sizes = shares.map((s) => s.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
      { seed: 1, numRuns: 100 },
    );
  });

  it('rejects what is not an array, and a bad batch size', () => {
    expect(() => fromArray('abc' as never)).toThrow(ConfigError);
    expect(() => fromArray([1], { batchSize: 0 })).toThrow(/'batchSize'/);
  });
});
