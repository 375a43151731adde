import type { Client } from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runBench } from '../../../cli/bench/coordinator.ts';
import { type RawBenchOptions, resolveBenchOptions } from '../../../cli/bench/options.ts';
import { countRows, testClient, uniqueKeyspace } from './fixtures/cluster.ts';

const target = inject('cassandra');
const keyspace = uniqueKeyspace('bench_harness');
let client: Client;

function plan(workload: string, options: RawBenchOptions) {
  return resolveBenchOptions(workload, {
    host: target.contactPoints.join(','),
    dc: target.localDataCenter,
    keyspace,
    rf: '1',
    workers: '2',
    concurrency: '16',
    ...options,
  });
}

beforeAll(async () => {
  client = testClient(target);
  await client.connect();
});

afterAll(async () => {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
  await client.shutdown();
});

describe('sluice bench against Cassandra', () => {
  it('insert: the operations counted are the rows in the table', async () => {
    const report = await runBench(plan('insert', { count: '3000', valueSize: '64' }));
    expect(report.errors).toBe(0);
    expect(report.ops).toBe(3000);
    expect(report.latencyUs.count).toBe(3000);
    expect(await countRows(client, `${keyspace}.kv`)).toBe(3000);
  });

  it('notes when the keyspace already exists with another replication factor', async () => {
    const report = await runBench(plan('insert', { count: '10', rf: '2' }));
    expect(report.notes).toEqual([
      expect.stringMatching(
        new RegExp(`^keyspace ${keyspace} already existed with replication .*--rf 2 applies only`),
      ),
    ]);
  });

  it('read: finds every key the insert wrote, and misses the keys it did not', async () => {
    const hits = await runBench(plan('read', { count: '1000', keys: '3000' }));
    expect(hits.ops).toBe(1000);
    expect(hits.misses).toBe(0);
    // Keys 0 … 5999: about half were never written.
    const halves = await runBench(plan('read', { count: '1000', keys: '6000' }));
    expect(halves.misses).toBeGreaterThan(400);
    expect(halves.misses).toBeLessThan(600);
  });

  it('mixed: reads and writes in the asked ratio, reported apart', async () => {
    const report = await runBench(plan('mixed', { count: '2000', keys: '3000', ratio: '3:1' }));
    const [reads, writes] = report.kinds;
    expect(reads!.name).toBe('read');
    expect(writes!.name).toBe('write');
    expect(reads!.ops + writes!.ops).toBe(2000);
    expect(reads!.ops / 2000).toBeGreaterThan(0.7);
    expect(reads!.ops / 2000).toBeLessThan(0.8);
    expect(report.misses).toBe(0);
    expect(await countRows(client, `${keyspace}.kv`)).toBe(3000);
  });

  it('insert-ts: N rows in each series partition', async () => {
    const report = await runBench(plan('insert-ts', { count: '1200', rowsPerPartition: '100' }));
    expect(report.ops).toBe(1200);
    expect(await countRows(client, `${keyspace}.ts`)).toBe(1200);
    const series = await client.execute(`SELECT DISTINCT series FROM ${keyspace}.ts`);
    expect(series.rowLength).toBe(12);
    const one = await client.execute(`SELECT count(*) FROM ${keyspace}.ts WHERE series = 5`);
    expect(Number(one.first().get(0))).toBe(100);
  });

  it('holds a fixed rate within 5% over 20 s, with latency from the intended start', {
    timeout: 120_000,
  }, async () => {
    // Well under what this 2-core machine sustains while it also runs a 3-node cluster (and
    // other suites); enough in flight that a slow second does not hold the schedule back.
    const rate = 200;
    const report = await runBench(
      plan('insert', { rate: String(rate), duration: '20s', warmup: '2s', concurrency: '64' }),
    );
    const perSecond = `ops per second: ${report.series.map((s) => s.ops).join(' ')}`;
    expect(report.mode).toBe('fixed-rate');
    expect(report.errors).toBe(0);
    expect(report.warmupOps).toBe(rate * 2);
    expect(report.ops).toBe(rate * 20);
    // The operations all completed within the 20 s (plus the last ones' latency): the rate held.
    expect(Math.abs(report.opsPerSecond - rate) / rate, perSecond).toBeLessThan(0.05);
    // A typical second, not only the average, is at the rate; a shared machine may stall a few.
    const full = report.series.filter((s) => s.second < 20).map((s) => s.ops);
    expect(full).toHaveLength(20);
    const median = full.sort((a, b) => a - b)[10]!;
    expect(Math.abs(median - rate) / rate, perSecond).toBeLessThan(0.05);
    // Intended-start latency can only add waiting to the service time.
    expect(report.latencyUs.p50).toBeGreaterThanOrEqual(report.serviceUs.p50);
    expect(report.latencyUs.max).toBeGreaterThanOrEqual(report.serviceUs.max);
  });
});
