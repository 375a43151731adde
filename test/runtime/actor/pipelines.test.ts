/**
 * End-to-end pipelines on real worker threads: every operator and every partitioning, each
 * compared with a single-threaded reference over the same generated input.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JobResult, run } from '../../../index.ts';
import { makeRow, type Row } from '../../fixtures/jobs/data.ts';
import type { ShapeParams } from '../../fixtures/jobs/shapes.ts';

const shapes = new URL('../../fixtures/jobs/shapes.ts', import.meta.url);

function rowsOf(p: ShapeParams): Row[] {
  return Array.from({ length: p.count }, (_, i) => makeRow(p.seed, p.keys, i));
}

/** Records of the sink whose id starts with `name#`, per instance. */
function sinkInstances(result: JobResult, name = 'collect'): unknown[][] {
  const entry = Object.values(result.sinks).find((s) => s.operatorId.startsWith(`${name}#`));
  if (entry === undefined) throw new Error(`no sink ${name} in ${Object.keys(result.sinks)}`);
  return entry.instances.map((i) => (i ?? []) as unknown[]);
}

const sorted = <T>(values: T[]): T[] => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const byId = (a: Row, b: Row): number => a.id - b.id;

async function runShape(params: ShapeParams): Promise<JobResult> {
  return run(shapes, { params, workers: 2, progressIntervalMs: 0 }).result;
}

/** Checks a shape's output against the reference; returns nothing, throws on mismatch. */
async function check(params: ShapeParams): Promise<void> {
  const input = rowsOf(params);
  const result = await runShape(params);
  const all = (name?: string) => sinkInstances(result, name).flat();
  switch (params.shape) {
    case 'chain': {
      const expected = input
        .map((r) => ({ ...r, value: r.value * 2 }))
        .filter((r) => r.value % 3 !== 0)
        .flatMap((r) => (r.value > 0 ? [r, { ...r, id: -r.id }] : []));
      expect((all() as Row[]).sort(byId)).toEqual(expected.sort(byId));
      // Forward edges are chained: the plan has no channel at all.
      expect(result.metrics.edges).toEqual([]);
      return;
    }
    case 'rebalance': {
      const per = sinkInstances(result);
      expect(sorted(per.flat())).toEqual(sorted(input.map((r) => r.id)));
      // One producer, round-robin: instance loads differ by at most one record.
      const sizes = per.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      // A channel keeps order: one producer's records reach each consumer in sequence.
      for (const records of per) expect(records).toEqual(sorted(records as number[]));
      return;
    }
    case 'broadcast': {
      const per = sinkInstances(result);
      expect(per).toHaveLength(params.parallelism ?? 2);
      for (const instance of per) expect(sorted(instance)).toEqual(sorted(input.map((r) => r.id)));
      return;
    }
    case 'custom': {
      const per = sinkInstances(result);
      per.forEach((records, i) => {
        for (const id of records as number[]) expect(id % per.length).toBe(i);
        // Source instance k of 2 makes the ids ≡ k (mod 2), in order; each channel keeps it.
        for (const k of [0, 1]) {
          const fromK = (records as number[]).filter((id) => id % 2 === k);
          expect(fromK).toEqual(sorted(fromK));
        }
      });
      expect(sorted(per.flat())).toEqual(sorted(input.map((r) => r.id)));
      return;
    }
    case 'reduce': {
      // Rolling reduce: one output per input. The sink is chained to the reduce, so each
      // instance's last record of a key is that key's total.
      const out = all() as Row[];
      expect(out).toHaveLength(input.length);
      const finals = new Map<string, Row>();
      for (const r of out) finals.set(r.key, r);
      const sums = new Map<string, number>();
      for (const r of input) sums.set(r.key, (sums.get(r.key) ?? 0) + r.value);
      expect(new Map([...finals].map(([k, r]) => [k, r.value]))).toEqual(sums);
      // Hash partitioning: each key lives in exactly one instance.
      const owner = new Map<string, number>();
      sinkInstances(result).forEach((records, i) => {
        for (const r of records as Row[]) {
          expect(owner.get(r.key) ?? i).toBe(i);
          owner.set(r.key, i);
        }
      });
      return;
    }
    case 'aggregate': {
      const expected = new Map<string, { key: string; count: number; sum: number }>();
      for (const r of input) {
        const e = expected.get(r.key) ?? { key: r.key, count: 0, sum: 0 };
        e.count++;
        e.sum += r.value;
        expected.set(r.key, e);
      }
      const out = all() as Array<{ key: string; count: number; sum: number }>;
      expect(new Map(out.map((o) => [o.key, o]))).toEqual(expected);
      expect(out).toHaveLength(expected.size);
      return;
    }
    case 'process': {
      const counts = new Map<string, number>();
      for (const r of input) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      const emitted = new Map<string, number>();
      for (const o of all('counts') as Array<{ key: string; count: number }>) {
        expect(o.count).toBeGreaterThan(0);
        emitted.set(o.key, (emitted.get(o.key) ?? 0) + o.count);
      }
      expect(emitted).toEqual(counts);
      expect(sorted(all('negatives'))).toEqual(
        sorted(input.filter((r) => r.value < 0).map((r) => r.id)),
      );
      return;
    }
    case 'union': {
      const expected = input.map((r) =>
        r.id % 2 === 0 ? r.id * 1000 + (r.value + 500) : r.id * 1000 + (-r.value + 500),
      );
      expect(sorted(all())).toEqual(sorted(expected));
      return;
    }
    case 'side': {
      const bad = input.filter((r) => r.value % 7 === 0).map((r) => r.id);
      const good = input.filter((r) => r.value % 7 !== 0).map((r) => r.id);
      expect(sorted(all('good'))).toEqual(sorted(good));
      expect(sorted(all('bad'))).toEqual(sorted(bad));
      return;
    }
  }
  throw new Error(`no reference for ${params.shape}`);
}

const base = { seed: 7, count: 20_000, keys: 300 };

describe('pipelines on worker threads match a single-threaded reference', () => {
  for (const shape of [
    'chain',
    'rebalance',
    'broadcast',
    'custom',
    'reduce',
    'aggregate',
    'process',
    'union',
    'side',
  ]) {
    it(shape, async () => {
      await check({ ...base, shape });
    });
  }

  it('holds for random inputs, sizes and parallelisms (seeded property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'chain',
          'rebalance',
          'broadcast',
          'reduce',
          'aggregate',
          'union',
          'custom',
        ),
        fc.integer(),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 3 }),
        async (shape, seed, count, keys, parallelism) => {
          await check({ shape, seed, count, keys, parallelism });
        },
      ),
      { seed: 20261121, numRuns: 6 },
    );
  });
});
