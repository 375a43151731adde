/**
 * The sink's throttles against the shared cluster: `maxRowsPerSecond` and `maxBytesPerSecond`
 * cap what the sink writes over time, and `maxConcurrentQueries` caps its requests in flight,
 * over all its instances together.
 *
 * The rates are checked from the sink's own counters, on every progress report: an instance
 * that has been sending for `sendingMs` has written at most its share of the rate over that
 * time, plus its burst and one request. That bound holds however slow the machine is (a slow
 * machine only writes less), so the test does not race the clock; and a sink that ignored the
 * limit breaks it within the first reports, because an unthrottled sink writes these rows in
 * a fraction of the time the limit allows.
 */

import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CassandraOptions } from '../../../connectors/cassandra/index.ts';
import { TokenBucket } from '../../../connectors/cassandra/rate-limit.ts';
import { type JobStats, run } from '../../../index.ts';
import type { ThrottleJobParams } from '../../fixtures/jobs/cassandra-throttle.ts';
import { createKeyspace, target, testClient, uniqueName } from './cluster.ts';

const job = new URL('../../fixtures/jobs/cassandra-throttle.ts', import.meta.url);
const WORKERS = 2;

interface InstanceStats {
  written: number;
  writtenBytes: number;
  sendingMs: number;
  maxInFlight: number;
  inFlightShare: number | null;
  retries: number;
  badCauses: Record<string, number>;
  hosts: Record<string, { limit: number }>;
}

let client: cassandra.Client;
const keyspace = uniqueName('sluice_throttle');

beforeAll(async () => {
  client = testClient();
  await client.connect();
  await createKeyspace(client, keyspace, 3);
  for (const table of ['rows_per_second', 'bytes_per_second', 'in_flight', 'one_slot']) {
    await client.execute(`CREATE TABLE ${keyspace}.${table} (id int PRIMARY KEY, body text)`);
  }
});

afterAll(async () => {
  await client?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
  await client?.shutdown();
});

/** Every sink instance's stats in one report, by instance. */
function instancesOf(stats: JobStats): InstanceStats[] {
  const out: InstanceStats[] = [];
  for (const actor of stats.actors) {
    for (const [id, sink] of Object.entries(actor.sinks)) {
      if (id.startsWith('cassandra')) out[actor.instance] = sink as InstanceStats;
    }
  }
  return out.filter((s) => s !== undefined);
}

/**
 * Runs the job with these sink options; calls `check` with every progress report's
 * instances and with the final ones; resolves with the final ones.
 */
async function load(
  table: string,
  count: number,
  bodyChars: number,
  sink: Partial<CassandraOptions>,
  check: (instances: InstanceStats[]) => void = () => {},
): Promise<InstanceStats[]> {
  const { contactPoints, localDataCenter, credentials } = target();
  const params: ThrottleJobParams = {
    count,
    bodyChars,
    sink: {
      contactPoints,
      localDataCenter,
      ...(credentials ?? {}),
      keyspace,
      table,
      consistency: 'ONE',
      maxErrors: 0,
      ...sink,
    },
  };
  const handle = run(job, { params, workers: WORKERS, progressIntervalMs: 100 });
  const failures: unknown[] = [];
  handle.on('progress', (stats: JobStats) => {
    try {
      check(instancesOf(stats));
    } catch (error) {
      failures.push(error);
    }
  });
  const { metrics } = await handle.result;
  if (failures.length > 0) throw failures[0];
  const final = instancesOf(metrics);
  check(final);
  return final;
}

async function rowsIn(table: string): Promise<number> {
  const result = await client.execute(`SELECT count(*) FROM ${keyspace}.${table}`, [], {
    readTimeout: 60_000,
  });
  return Number(result.first().get(0));
}

describe('maxRowsPerSecond', () => {
  it('no instance writes faster than its share of the rate, over the whole load', async () => {
    const rate = 200;
    const count = 600;
    const maxRows = 32;
    let reports = 0;
    const instances = await load(
      'rows_per_second',
      count,
      16,
      { maxRowsPerSecond: rate, batch: { maxRows } },
      (all) => {
        reports++;
        for (const s of all) {
          const share = rate / all.length;
          const burst = new TokenBucket(share, 0).capacity;
          expect(s.written).toBeLessThanOrEqual((share * s.sendingMs) / 1000 + burst + maxRows);
        }
      },
    );
    expect(instances).toHaveLength(WORKERS);
    expect(instances.reduce((n, s) => n + s.written, 0)).toBe(count);
    // The whole load took at least as long as the rate allows, by the sink's own clock.
    const sendingMs = Math.max(...instances.map((s) => s.sendingMs));
    const bursts = WORKERS * (new TokenBucket(rate / WORKERS, 0).capacity + maxRows);
    expect(sendingMs).toBeGreaterThanOrEqual(((count - bursts) / rate) * 1000);
    expect(reports).toBeGreaterThan(5);
    expect(await rowsIn('rows_per_second')).toBe(count);
  });
});

describe('maxBytesPerSecond', () => {
  it('no instance writes more bytes of values than its share of the rate', async () => {
    const rate = 100_000;
    const maxBytes = 4096;
    const bodyChars = 1000;
    const count = 300;
    const instances = await load(
      'bytes_per_second',
      count,
      bodyChars,
      { maxBytesPerSecond: rate, batch: { maxBytes } },
      (all) => {
        for (const s of all) {
          const share = rate / all.length;
          const burst = new TokenBucket(share, 0).capacity;
          // A batch stops below maxBytes, or holds one row larger than it.
          expect(s.writtenBytes).toBeLessThanOrEqual(
            (share * s.sendingMs) / 1000 + burst + maxBytes + bodyChars + 64,
          );
        }
      },
    );
    const bytes = instances.reduce((n, s) => n + s.writtenBytes, 0);
    expect(bytes).toBeGreaterThanOrEqual(count * bodyChars);
    const sendingMs = Math.max(...instances.map((s) => s.sendingMs));
    const bursts =
      WORKERS * (new TokenBucket(rate / WORKERS, 0).capacity + maxBytes + bodyChars + 64);
    expect(sendingMs).toBeGreaterThanOrEqual(((bytes - bursts) / rate) * 1000);
    expect(await rowsIn('bytes_per_second')).toBe(count);
  });
});

describe('maxConcurrentQueries', () => {
  it('caps the requests in flight over all instances, each to its share, and its windows with them', async () => {
    const total = 3;
    const count = 4000;
    const instances = await load('in_flight', count, 16, {
      maxConcurrentQueries: total,
      batch: { maxRows: 4 },
    });
    expect(instances).toHaveLength(WORKERS);
    // 3 over 2 instances: 2 and 1.
    expect(instances.map((s) => s.inFlightShare)).toEqual([2, 1]);
    for (const s of instances) {
      expect(s.maxInFlight).toBeGreaterThanOrEqual(1);
      expect(s.maxInFlight).toBeLessThanOrEqual(s.inFlightShare!);
      for (const host of Object.values(s.hosts)) {
        expect(host.limit).toBeLessThanOrEqual(s.inFlightShare!);
      }
    }
    expect(instances.reduce((n, s) => n + s.maxInFlight, 0)).toBeLessThanOrEqual(total);
    expect(await rowsIn('in_flight')).toBe(count);
  });

  it('runs no more sink instances than requests it allows in flight', async () => {
    const instances = await load('one_slot', 500, 16, { maxConcurrentQueries: 1 });
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({ maxInFlight: 1, inFlightShare: 1, written: 500 });
    expect(await rowsIn('one_slot')).toBe(500);
  });
});
