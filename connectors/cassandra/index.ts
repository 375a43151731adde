/** `sluice/cassandra`: the Cassandra sink. Routing internals (tokens, the ring) stay inside. */
export type { CassandraOptions, ConsistencyName } from './config.ts';
export { CassandraSink, cassandra } from './sink.ts';
export type { CassandraWriteResult } from './writer.ts';
