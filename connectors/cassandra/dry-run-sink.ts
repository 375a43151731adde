/**
 * The sink of `sluice load -dryRun`: everything the real load does up to the wire, and nothing
 * after it. It connects to read the table's schema, converts every row exactly as the
 * Cassandra sink would (the same `RowMapper`, so the same errors), and writes the rows that do
 * not convert to the same bad-records file. Nothing is written to Cassandra.
 */

import {
  type InstanceContext,
  instancePath,
  type Sink,
  type SinkWriter,
} from '../../runtime/graph/connector.ts';
import { BadRecordsFile } from './bad-records.ts';
import { connect } from './client.ts';
import { type CassandraConfig, type CassandraOptions, resolveConfig } from './config.ts';
import { RowMapper, readTableSchema } from './schema.ts';

/** What each dry-run instance hands back; the same counters as a real writer's result. */
export interface DryRunResult {
  keyspace: string;
  table: string;
  instance: number;
  received: number;
  /** Rows that converted: what a real load would have sent. */
  wouldWrite: number;
  bad: number;
  badFile: string | undefined;
  /** The statement (INSERT or UPDATE) a real load would prepare. */
  insertQuery: string;
}

export class DryRunSink implements Sink<unknown> {
  readonly name: string;
  readonly config: CassandraConfig;

  constructor(options: CassandraOptions) {
    this.config = resolveConfig(options);
    this.name = `dryRun(${this.config.keyspace}.${this.config.table})`;
  }

  async createWriter(ctx: InstanceContext): Promise<SinkWriter<unknown>> {
    const client = await connect(this.config);
    let mapper: RowMapper;
    try {
      const schema = await readTableSchema(client, this.config.keyspace, this.config.table);
      mapper = new RowMapper(schema, this.config);
    } finally {
      // The schema is all a dry run needs from the cluster.
      await client.shutdown().catch(() => {});
    }
    const bad = new BadRecordsFile(
      instancePath(this.config.badFile, ctx.instance, ctx.parallelism),
    );
    const { keyspace, table } = this.config;
    let received = 0;
    return {
      write(record) {
        received++;
        try {
          mapper.bind(record);
        } catch (error) {
          bad.append({ record, error, attempts: 0 });
        }
        return undefined;
      },
      flush: () => bad.flush(),
      close: () => bad.close(),
      result(): DryRunResult {
        return {
          keyspace,
          table,
          instance: ctx.instance,
          received,
          wouldWrite: received - bad.count,
          bad: bad.count,
          badFile: bad.count > 0 ? bad.path : undefined,
          insertQuery: mapper.query,
        };
      },
      stats: () => ({
        received,
        written: 0,
        wouldWrite: received - bad.count,
        bad: bad.count,
        insertQuery: mapper.query,
      }),
    };
  }
}

export function dryRun(options: CassandraOptions): DryRunSink {
  return new DryRunSink(options);
}
