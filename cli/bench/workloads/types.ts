/**
 * A workload: the schema it needs and the operations it runs.
 *
 * `schema` runs once, on the coordinator, before any worker starts. `open` runs on every
 * worker with that worker's own connected client, prepares the statements and returns the
 * operations the measuring loop calls. Every value a workload writes or reads is a pure
 * function of (seed, seq), so runs are reproducible and a read run finds what an insert run
 * with the same seed wrote.
 */
import type { Client } from 'cassandra-driver';
import type { ConsistencyName } from '../../../connectors/cassandra/config.ts';
import type { OperationSource } from '../loop.ts';

export type ValueType = 'blob' | 'text';

/** Plain data: it crosses threads inside the worker spec. */
export interface WorkloadOptions {
  keyspace: string;
  /** The workload's table; each workload has a default. */
  table: string | undefined;
  replicationFactor: number;
  /** The data center the keyspace is replicated to (NetworkTopologyStrategy). */
  dataCenter: string;
  valueSize: number;
  valueType: ValueType;
  seed: number;
  /** Keys 0 … keys − 1 exist (written by an insert run) and are read. */
  keys: number;
  /** Time series: rows per partition (series). */
  rowsPerPartition: number;
  /** Mixed: reads to writes. */
  ratio: { reads: number; writes: number };
  consistency: ConsistencyName;
}

export type { ConsistencyName };

export interface Workload {
  readonly name: string;
  readonly summary: string;
  /** The table this workload uses under these options. */
  table(options: WorkloadOptions): string;
  /** CQL that creates what the workload needs, idempotently (IF NOT EXISTS). */
  schema(options: WorkloadOptions): string[];
  open(client: Client, options: WorkloadOptions): Promise<OperationSource>;
}
