export type { CassandraOptions, ConsistencyName } from './config.ts';
export { murmur3Token, type Token, tokenOf } from './murmur3.ts';
export { Ring, type RingSpec } from './ring.ts';
export { loadReplicaRouting, ReplicaRouter, type ReplicaRoutingSpec } from './routing.ts';
export { CassandraSink, cassandra } from './sink.ts';
export type { CassandraWriteResult } from './writer.ts';
