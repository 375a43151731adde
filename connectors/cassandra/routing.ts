/**
 * The `replica` partitioning: which sink instance receives a record.
 *
 * The planner (or any thread) loads a `ReplicaRoutingSpec` once: plain data (the ring and
 * the table schema) that crosses threads by structured clone. Each producer instance then
 * builds a `ReplicaRouter` from it and routes records without any I/O: the partition key
 * columns are converted and hashed exactly as the writer will, and `Ring.instanceFor`
 * applies the rule documented there. A record whose key does not convert goes to
 * instance 0, whose writer then rejects it to its bad-records file with the reason.
 */

import { connect } from './client.ts';
import type { CassandraConfig } from './config.ts';
import type { Token } from './murmur3.ts';
import { Ring, type RingSpec, ringSpecFromClient } from './ring.ts';
import { RowMapper, readTableSchema, type TableSchema } from './schema.ts';
import type { WriteSpec } from './statement.ts';

export interface ReplicaRoutingSpec {
  ring: RingSpec;
  schema: TableSchema;
  /** The statement's options, as plain data: they say which field feeds each key column. */
  write: WriteSpec;
}

/** Connects once, reads the ring and the table, and disconnects. */
export async function loadReplicaRouting(config: CassandraConfig): Promise<ReplicaRoutingSpec> {
  const client = await connect(config);
  try {
    const schema = await readTableSchema(client, config.keyspace, config.table);
    return {
      ring: ringSpecFromClient(client, config.keyspace),
      schema,
      write: {
        mapping: config.mapping === undefined ? undefined : { ...config.mapping },
        isMappedByName: config.isMappedByName,
        excludedColumns: [...config.excludedColumns],
        query: config.query,
        ttlSeconds: config.ttlSeconds,
        timestampMicros: config.timestampMicros,
      },
    };
  } finally {
    await client.shutdown();
  }
}

export class ReplicaRouter {
  readonly ring: Ring;
  readonly #mapper: RowMapper;
  readonly #token: Token = { hi: 0, lo: 0 };

  constructor(spec: ReplicaRoutingSpec) {
    this.ring = new Ring(spec.ring);
    this.#mapper = new RowMapper(spec.schema, spec.write);
  }

  /** The sink instance (0 … parallelism − 1) that writes `record`. */
  instanceFor(record: unknown, parallelism: number): number {
    const token = this.#mapper.tryToken(record, this.#token);
    return token === undefined ? 0 : this.ring.instanceFor(token, parallelism);
  }
}
