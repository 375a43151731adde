/**
 * Access to the shared test cluster for *.cassandra.test.ts files.
 *
 * The `cassandra` vitest project's global setup provides the target (the local 3-node
 * cluster, or CASSANDRA_CONTACT_POINTS). Each test file works in keyspaces of its own, named
 * with a random suffix and dropped afterwards, so engineers and runs never collide.
 */

import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { inject } from 'vitest';
import type { CassandraTarget } from '../../setup/cassandra-context.ts';

export function target(): CassandraTarget {
  return inject('cassandra');
}

export function testClient(): cassandra.Client {
  const { contactPoints, localDataCenter, credentials } = target();
  return new cassandra.Client({
    contactPoints,
    localDataCenter,
    ...(credentials ? { credentials } : {}),
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
    queryOptions: { consistency: cassandra.types.consistencies.all },
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** The driver waits for schema agreement after DDL, so a writer connecting next sees the keyspace. */
export async function createKeyspace(
  client: cassandra.Client,
  name: string,
  rf: number,
): Promise<void> {
  await client.execute(
    `CREATE KEYSPACE ${name} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${rf}}`,
  );
}

export { tsWorker } from '../../../runtime/actor/ts-worker.ts';
