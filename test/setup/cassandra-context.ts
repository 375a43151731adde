/**
 * What the `cassandra` project's global setup provides to its tests:
 *
 *   const target = inject('cassandra');      // the 3-node cluster (or CASSANDRA_CONTACT_POINTS),
 *                                            // plain and TLS on one port (target.tlsCaFile)
 *   const secured = inject('cassandraAuth'); // a node with PasswordAuthenticator
 */
import type { Credentials } from '../../connectors/cassandra/local/index.ts';

export interface CassandraTarget {
  /** `host:port` of every node. */
  contactPoints: string[];
  localDataCenter: string;
  /** Set when the target requires password authentication. */
  credentials?: Credentials | undefined;
  /** The local cluster's folder, when the suite runs a local cluster (not an external one). */
  dir?: string | undefined;
  /**
   * The PEM file of the CA that signed the nodes, when they also serve TLS: the suite's local
   * cluster does (TLS optional: plain clients are served on the same port), a cluster of yours
   * when CASSANDRA_TLS_CA names its CA.
   */
  tlsCaFile?: string | undefined;
}

/** The local single node with password auth, beside the 3-node cluster on 127.0.0.1-3. */
export const AUTH_CLUSTER = {
  dir: '.sluice/cassandra-auth',
  nodes: 1,
  firstNode: 4,
  isAuthEnabled: true,
} as const;

declare module 'vitest' {
  export interface ProvidedContext {
    cassandra: CassandraTarget;
    cassandraAuth: CassandraTarget;
  }
}
