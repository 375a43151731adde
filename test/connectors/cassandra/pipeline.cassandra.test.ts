/**
 * The Cassandra sink inside a real job: the runtime prepares the sink's token ring on the main
 * thread, producers on every worker route each row to the sink instance owning its replicas,
 * and every row is in the table afterwards.
 */

import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../index.ts';
import type { CassandraJobParams } from '../../fixtures/jobs/cassandra-sink.ts';
import { createKeyspace, target, testClient, uniqueName } from './cluster.ts';

const job = new URL('../../fixtures/jobs/cassandra-sink.ts', import.meta.url);

interface SinkStats {
  received: number;
  written: number;
  bad: number;
  isComplete: boolean;
  routing: { replica: number; nonReplica: number; foreignRows: number };
}

describe('a job writing to Cassandra', () => {
  let client: cassandra.Client;
  const keyspace = uniqueName('sluice_job');

  beforeAll(async () => {
    client = testClient();
    await createKeyspace(client, keyspace, 1);
    await client.execute(
      `CREATE TABLE ${keyspace}.rows (id int, seq int, body text, PRIMARY KEY (id, seq))`,
    );
  });

  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  it('routes every row to the sink instance that owns its replicas and writes it', async () => {
    const { contactPoints, localDataCenter, credentials } = target();
    const params: CassandraJobParams = {
      contactPoints,
      localDataCenter,
      ...(credentials ?? {}),
      keyspace,
      table: 'rows',
      count: 6000,
      partitions: 300,
      sinkParallelism: 3,
    };
    const result = await run(job, { params, workers: 2, progressIntervalMs: 0 }).result;
    const sink = Object.values(result.sinks).find((s) => s.operatorId.startsWith('cassandra'))!;
    const instances = sink.instances as SinkStats[];
    expect(instances).toHaveLength(3);
    expect(instances.reduce((n, r) => n + r.written, 0)).toBe(6000);
    expect(instances.every((r) => r.bad === 0 && r.isComplete)).toBe(true);
    // With RF 1 on 3 nodes and 3 instances, each instance owns one node's ranges: all get rows,
    // and only rows the ring gives it (the producers routed them there).
    for (const r of instances) {
      expect(r.received).toBeGreaterThan(0);
      expect(r.routing.foreignRows).toBe(0);
      expect(r.routing.nonReplica).toBe(0);
    }

    const rows = await client.execute(`SELECT id, seq, body FROM ${keyspace}.rows`, [], {
      fetchSize: 10_000,
    });
    const seqs = rows.rows.map((r) => r.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    for (const row of rows.rows) {
      expect(row.id).toBe((row.seq as number) % 300);
      expect(row.body).toBe(`row ${row.seq}`);
    }
  });
});
