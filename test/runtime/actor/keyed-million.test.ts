/**
 * A keyed aggregation over one million records whose keys are heavily skewed (one key holds a
 * large share), on real workers, compared with a single-threaded reference.
 */

import { describe, expect, it } from 'vitest';
import { run } from '../../../index.ts';
import { makeRow } from '../../fixtures/jobs/data.ts';

const shapes = new URL('../../fixtures/jobs/shapes.ts', import.meta.url);

describe('keyed aggregation over 1M skewed records', () => {
  it('matches the single-threaded reference', async () => {
    const params = { shape: 'aggregate', seed: 42, count: 1_000_000, keys: 5000 };
    const expected = new Map<string, { key: string; count: number; sum: number }>();
    for (let i = 0; i < params.count; i++) {
      const r = makeRow(params.seed, params.keys, i);
      const e = expected.get(r.key);
      if (e === undefined) expected.set(r.key, { key: r.key, count: 1, sum: r.value });
      else {
        e.count++;
        e.sum += r.value;
      }
    }
    // The skew is real: the hottest key holds over 5 % of the records, 250 times the share
    // of a key under a uniform spread, so one reduce instance gets most of the work.
    const hottest = Math.max(...[...expected.values()].map((e) => e.count));
    expect(hottest).toBeGreaterThan(params.count / 20);

    const result = await run(shapes, { params, workers: 2, progressIntervalMs: 0 }).result;
    const out = Object.values(result.sinks).flatMap((s) => s.instances.flat()) as Array<{
      key: string;
      count: number;
      sum: number;
    }>;
    expect(out).toHaveLength(expected.size);
    expect(new Map(out.map((o) => [o.key, o]))).toEqual(expected);
    expect(result.metrics.recordsIn).toBe(params.count);
  });
});
