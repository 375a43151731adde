/**
 * Backpressure from Cassandra to the source, end to end: a sink slowed on purpose (see the
 * job) against a source that makes over a hundred times what all the channels can hold. The
 * process's memory must stay within the channels' capacity plus a fixed allowance, and every
 * row must reach the table.
 *
 * Memory is the resident set of this process, which hosts the job's worker threads: heap
 * figures of one isolate would miss the workers. RSS moves with garbage collection, so the
 * test makes the failure it guards against large: unbounded buffering holds most of
 * `count × padBytes` (384 MiB) live; it was measured at +333 MiB against +75 MiB with
 * backpressure working, and the bound sits about halfway (in ratio) between the two.
 */

import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../index.ts';
import type { BackpressureJobParams } from '../../fixtures/jobs/cassandra-backpressure.ts';
import { createKeyspace, target, testClient, uniqueName } from './cluster.ts';

const job = new URL('../../fixtures/jobs/cassandra-backpressure.ts', import.meta.url);

const MiB = 1024 * 1024;
const PAD_BYTES = 64 * 1024;
const COUNT = 6000;
const SEGMENT_SIZE = 128 * 1024;
const SEGMENT_COUNT = 4;
/**
 * What may come on top of the channels: the writers' own buffers (a few rows each), decoded
 * records not yet collected, and three isolates' heaps growing between collections (young
 * generations alone may hold tens of MiB of dead records).
 */
const ALLOWANCE = 160 * MiB;

describe('cassandra sink backpressure', () => {
  let client: cassandra.Client;
  const keyspace = uniqueName('sluice_bp');

  beforeAll(async () => {
    client = testClient();
    await createKeyspace(client, keyspace, 1);
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, body text)`);
  });

  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  it('keeps memory within the channels plus a fixed allowance while a slow sink writes every row', async () => {
    const { contactPoints, localDataCenter, credentials } = target();
    const params: BackpressureJobParams = {
      contactPoints,
      localDataCenter,
      ...(credentials ?? {}),
      keyspace,
      table: 'rows',
      count: COUNT,
      padBytes: PAD_BYTES,
      sinkParallelism: 3,
    };
    const handle = run(job, {
      params,
      workers: 2,
      progressIntervalMs: 0,
      segmentSize: SEGMENT_SIZE,
      segmentCount: SEGMENT_COUNT,
    });
    // The baseline is taken once the workers are up and the job's modules loaded, before
    // any record flows: what grows after it is data.
    let baseline: number | undefined;
    let peak = 0;
    let samples = 0;
    const sample = () => {
      const rss = process.memoryUsage().rss;
      samples++;
      if (baseline !== undefined) peak = Math.max(peak, rss);
    };
    handle.once('deployed', () => {
      baseline = process.memoryUsage().rss;
    });
    const sampler = setInterval(sample, 20);
    let result: Awaited<typeof handle.result>;
    try {
      result = await handle.result;
    } finally {
      clearInterval(sampler);
    }

    const edges = result.metrics.edges;
    const channelBytes = edges.length * SEGMENT_SIZE * SEGMENT_COUNT;
    // 2 producers × 3 sink instances: six channels of 512 KiB.
    expect(edges).toHaveLength(6);
    expect(COUNT * PAD_BYTES).toBeGreaterThan(10 * channelBytes);
    expect(baseline).toBeDefined();
    expect(samples).toBeGreaterThan(10);
    const growth = peak - baseline!;
    expect(
      growth,
      `RSS grew by ${(growth / MiB).toFixed(1)} MiB; bound ${((channelBytes + ALLOWANCE) / MiB).toFixed(1)} MiB`,
    ).toBeLessThan(channelBytes + ALLOWANCE);

    // The producers did wait for the sink: without backpressure they would never park.
    const producers = result.metrics.actors.filter((a) => a.operators[0]?.startsWith('generate'));
    expect(producers.length).toBeGreaterThan(0);
    const parked = producers.reduce((n, a) => n + a.backpressuredMs, 0);
    expect(parked).toBeGreaterThan(0);

    const sink = Object.values(result.sinks).find((s) => s.operatorId.startsWith('cassandra'))!;
    const instances = sink.instances as Array<{ written: number; bad: number }>;
    expect(instances.reduce((n, r) => n + r.written, 0)).toBe(COUNT);
    expect(instances.every((r) => r.bad === 0)).toBe(true);
    const rows = await client.execute(`SELECT id, body FROM ${keyspace}.rows`, [], {
      fetchSize: 10_000,
    });
    const ids = rows.rows.map((r) => r.id as number).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(rows.rows.every((r) => r.body === `row ${r.id}`)).toBe(true);
  });
});
