/** CQL pieces the workloads share. */
import { type Client, types } from 'cassandra-driver';
import type { ConsistencyName, WorkloadOptions } from './types.ts';

export function createKeyspace(options: WorkloadOptions): string {
  // NetworkTopologyStrategy, as production keyspaces are; the data center name must be
  // the driver's local one, so replicas are where the load-balancing policy sends requests.
  const replication = `{'class': 'NetworkTopologyStrategy', '${options.dataCenter}': ${options.replicationFactor}}`;
  return `CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = ${replication}`;
}

export function consistencyCode(name: ConsistencyName): number {
  const code = types.consistencies[toDriverName(name)];
  return code;
}

function toDriverName(name: ConsistencyName): keyof typeof types.consistencies {
  const names: Record<ConsistencyName, keyof typeof types.consistencies> = {
    ANY: 'any',
    ONE: 'one',
    TWO: 'two',
    THREE: 'three',
    QUORUM: 'quorum',
    ALL: 'all',
    LOCAL_QUORUM: 'localQuorum',
    EACH_QUORUM: 'eachQuorum',
    LOCAL_ONE: 'localOne',
  };
  return names[name];
}

/** Query options of every workload statement: prepared, so the driver routes by token. */
export function statementOptions(options: WorkloadOptions, isIdempotent: boolean) {
  return { prepare: true, isIdempotent, consistency: consistencyCode(options.consistency) };
}

/** A row's key: the seq, as a CQL bigint. */
export function keyOf(seq: number): bigint {
  return BigInt(seq);
}

/**
 * Prepares a statement without running it, so the first measured operations do not pay for
 * preparation. The driver has no public prepare, and running an INSERT would write a row:
 * executing with no values prepares the statement, then the server refuses the execution
 * for its missing values, which is the one error expected here.
 */
export async function prepareOnly(
  client: Client,
  query: string,
  options: ReturnType<typeof statementOptions>,
): Promise<void> {
  try {
    await client.execute(query, [], options);
  } catch (error) {
    if (
      error instanceof Error &&
      /markers\(\?\) in CQL but \d+ bound variables|bind variables/i.test(error.message)
    )
      return;
    throw error;
  }
}
