/**
 * A long write into the real cluster keeps a flat heap on every thread: between 25 % and 75 %
 * of the rows, no worker's heap (after a full collection) and not the main thread's grows by
 * more than a small margin. This is the path of the reported leak (1.6 GB of RSS after 3M rows
 * of `sluice load`): each wait of the sink's actor for the driver was raced against a promise
 * that lived as long as the actor, and every race kept the batch of rows it resolved with.
 * Before the fix this job grew by about 10 MB per 100k rows on each worker.
 */

import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFlat, measureHeap } from '../../fixtures/heap.ts';
import { createKeyspace, target, testClient, uniqueName } from './cluster.ts';

/** As many rows as the shared two cores write in about half a minute. */
const COUNT = 400_000;
const WORKERS = 2;

describe('heap of a long write into Cassandra', () => {
  let client: cassandra.Client;
  const keyspace = uniqueName('sluice_heap');

  beforeAll(async () => {
    client = testClient();
    await createKeyspace(client, keyspace, 1);
    await client.execute(
      `CREATE TABLE ${keyspace}.rows (id bigint PRIMARY KEY, seq int, body text)`,
    );
  });

  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  it('stays flat on every thread while every row is written', async () => {
    const { contactPoints, localDataCenter, credentials } = target();
    const readings = await measureHeap({
      path: 'cassandra',
      count: COUNT,
      workers: WORKERS,
      cassandra: {
        contactPoints,
        localDataCenter,
        ...(credentials ?? {}),
        keyspace,
        table: 'rows',
      },
    });
    const written = readings.table.reduce<number>(
      (sum, r) => sum + (r as { written: number; bad: number }).written,
      0,
    );
    expect(written).toBe(COUNT);
    expectFlat(readings, WORKERS);
  });
});
