export { CASSANDRA_VERSION, type CassandraClasspath, resolveClasspath } from './classpath.ts';
export {
  type ClusterStatus,
  clusterStatus,
  DEFAULT_CLUSTER_DIR,
  DEFAULT_SUPERUSER,
  ensureLocalCluster,
  type LocalCluster,
  type LocalClusterOptions,
  type NodeStatus,
  stopLocalCluster,
} from './cluster.ts';
export { evenTokens, LOCAL_DATA_CENTER } from './layout.ts';
export type { Credentials } from './probe.ts';
export type { StopResult } from './processes.ts';
export { ensureTlsMaterial, TLS_MODES, type TlsMaterial, type TlsMode } from './tls.ts';
export { findJava, findMaven } from './toolchain.ts';
