/**
 * `cassandra(options)`: the Cassandra sink as a graph node.
 *
 * The `CassandraSink` is plain validated configuration, built on every worker when the job
 * module builds its graph; only `createWriter`, on the instance's worker, connects (writers
 * on one worker share a driver client: shared-client.ts). Each writer reads the table schema
 * and the token ring itself, so no driver object crosses threads.
 */

import { inspect } from 'node:util';
import {
  type InstanceContext,
  instancePath,
  type Sink,
  type SinkPartitioner,
} from '../../runtime/graph/connector.ts';
import { BadRecordsFile } from './bad-records.ts';
import { DriverExecutor } from './client.ts';
import {
  type CassandraConfig,
  type CassandraOptions,
  describeConfig,
  resolveConfig,
} from './config.ts';
import { Ring, ringSpecFromClient } from './ring.ts';
import { loadReplicaRouting, ReplicaRouter, type ReplicaRoutingSpec } from './routing.ts';
import { RowMapper, readTableSchema } from './schema.ts';
import { leaseClient } from './shared-client.ts';
import { CassandraWriter } from './writer.ts';

export class CassandraSink implements Sink<unknown> {
  readonly name: string;
  readonly config: CassandraConfig;
  /**
   * With `maxConcurrentQueries` N, at most N instances, so that each has at least one request
   * in flight of its share (rate-limit.ts).
   */
  readonly maxParallelism: number | undefined;

  /**
   * The `replica` partitioning: the token ring and table schema are read once on the main
   * thread, and every producer routes each row to the sink instance that owns its replicas.
   */
  readonly partitioner: SinkPartitioner<unknown> = {
    prepare: () => loadReplicaRouting(this.config),
    open(prepared) {
      const router = new ReplicaRouter(prepared as ReplicaRoutingSpec);
      return (record, instances) => router.instanceFor(record, instances);
    },
  };

  constructor(options: CassandraOptions) {
    this.config = resolveConfig(options);
    this.maxParallelism = this.config.maxConcurrentQueries;
    this.name = `cassandra(${this.config.keyspace}.${this.config.table})`;
  }

  async createWriter(ctx: InstanceContext): Promise<CassandraWriter> {
    const lease = await leaseClient(this.config);
    const { client } = lease;
    try {
      const schema = await readTableSchema(client, this.config.keyspace, this.config.table);
      const mapper = new RowMapper(schema, this.config);
      const ring = new Ring(ringSpecFromClient(client, this.config.keyspace));
      return new CassandraWriter({
        config: this.config,
        ctx,
        mapper,
        ring,
        isIdempotent: mapper.statement.isIdempotent,
        executor: new DriverExecutor(client, mapper.statement, this.config),
        badRecords: new BadRecordsFile(
          instancePath(this.config.badFile, ctx.instance, ctx.parallelism),
        ),
        onClose: () => lease.release(),
      });
    } catch (error) {
      await lease.release().catch(() => {});
      throw error;
    }
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, config: describeConfig(this.config) };
  }

  [inspect.custom](): string {
    return `CassandraSink ${inspect(this.toJSON(), { depth: 3 })}`;
  }
}

export function cassandra(options: CassandraOptions): CassandraSink {
  return new CassandraSink(options);
}
