/**
 * Metrics while a job runs: per-actor records and time split, per-edge segments in use, and
 * progress events.
 */

import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type JobStats, run } from '../../../index.ts';

const failing = new URL('../../fixtures/jobs/failing.ts', import.meta.url);
const shapes = new URL('../../fixtures/jobs/shapes.ts', import.meta.url);

describe('stats', () => {
  it('reports actors, rates and edges while running, then the final metrics', async () => {
    const job = run(failing, {
      params: { mode: 'endless', count: 0, at: -1 },
      workers: 2,
      progressIntervalMs: 100,
    });
    let stats: JobStats;
    do [stats] = await once(job, 'progress');
    while (stats.recordsOut < 5000);
    await job.cancel();

    expect(stats.state).toBe('running');
    expect(stats.workers).toBe(2);
    // generate#0 → keyBy → explode#1 (+ chained sink): two stages of two instances.
    expect(stats.actors.map((a) => a.id).sort()).toEqual([
      'explode#1/0',
      'explode#1/1',
      'generate#0/0',
      'generate#0/1',
    ]);
    const explode = stats.actors.find((a) => a.id === 'explode#1/0')!;
    expect(explode.operators).toEqual(['explode#1', 'collect#2']);
    for (const actor of stats.actors) {
      expect(actor.state).toBe('running');
      const split = actor.busyMsPerSecond + actor.idleMsPerSecond + actor.backpressuredMsPerSecond;
      expect(split).toBeGreaterThan(900);
      expect(split).toBeLessThanOrEqual(1001);
    }
    const sources = stats.actors.filter((a) => a.id.startsWith('generate'));
    expect(stats.recordsIn).toBe(sources.reduce((n, a) => n + a.recordsIn, 0));
    expect(stats.recordsPerSecond).toBeGreaterThan(0);
    // Hash edge 2 × 2: four channels, each with at most its segment count in use.
    expect(stats.edges.map((e) => e.name).sort()).toEqual([
      'generate#0/0 -> explode#1/0',
      'generate#0/0 -> explode#1/1',
      'generate#0/1 -> explode#1/0',
      'generate#0/1 -> explode#1/1',
    ]);
    for (const edge of stats.edges) {
      expect(edge.segmentsInUse).toBeGreaterThanOrEqual(0);
      expect(edge.segmentsInUse).toBeLessThanOrEqual(edge.segmentCount);
    }
  });

  it('final metrics count every record in and out', async () => {
    const result = await run(shapes, {
      params: { shape: 'aggregate', seed: 1, count: 10_000, keys: 40 },
      workers: 2,
    }).result;
    expect(result.metrics.state).toBe('finished');
    expect(result.metrics.recordsIn).toBe(10_000);
    const out = Object.values(result.sinks).flatMap((s) => s.instances.flat());
    expect(result.metrics.recordsOut).toBe(out.length);
    for (const actor of result.metrics.actors) expect(actor.state).toBe('finished');
  });
});

describe('cooperative scheduling', () => {
  it('yields to the event loop within a huge source batch', async () => {
    const url = new URL('../../fixtures/jobs/yielding.ts', import.meta.url);
    const result = await run(url, { params: { count: 300_000 }, workers: 2 }).result;
    const [watch] = Object.values(result.sinks)[0]!.instances as Array<{
      maxGapMs: number;
      elapsedMs: number;
      ticks: number;
    }>;
    // Timers ran all along: no gap comes near the whole run, and there were many ticks.
    expect(watch!.elapsedMs).toBeGreaterThan(50);
    expect(watch!.maxGapMs).toBeLessThan(watch!.elapsedMs / 3);
    expect(watch!.ticks).toBeGreaterThan(5);
  });
});
