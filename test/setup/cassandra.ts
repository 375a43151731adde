/**
 * Global setup of the `cassandra` test project: a real cluster for every *.cassandra.test.ts.
 *
 * - CASSANDRA_CONTACT_POINTS=h1:9042,h2 (and CASSANDRA_LOCAL_DC, default datacenter1) uses a
 *   cluster of yours, and CASSANDRA_TLS_CA the PEM file of its CA if it serves TLS; otherwise a
 *   local 3-node cluster runs in .sluice/cassandra, serving plain and TLS clients on one port
 *   (TLS optional), so the TLS tests need no cluster of their own.
 * - CASSANDRA_AUTH_CONTACT_POINTS (CASSANDRA_AUTH_USERNAME/PASSWORD, default cassandra/cassandra)
 *   names a node with password auth; otherwise a local one runs in .sluice/cassandra-auth.
 *
 * A cluster found running is reused and left running. Nodes started by test runs are stopped
 * when the last run using them ends (leases.ts), so two concurrent runs never stop the cluster
 * under each other. A missing java or mvn fails the project with the install hint, never a
 * silent skip.
 */
import type { TestProject } from 'vitest/node';
import {
  DEFAULT_CLUSTER_DIR,
  DEFAULT_SUPERUSER,
  ensureLocalCluster,
  type LocalCluster,
} from '../../connectors/cassandra/local/index.ts';
import { AUTH_CLUSTER, type CassandraTarget } from './cassandra-context.ts';

function split(list: string): string[] {
  return list
    .split(',')
    .map((point) => point.trim())
    .filter((point) => point !== '');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const leased: LocalCluster[] = [];
  const local = async (
    options: Parameters<typeof ensureLocalCluster>[0],
  ): Promise<CassandraTarget> => {
    const cluster = await ensureLocalCluster({ ...options, isLeased: true });
    leased.push(cluster);
    return {
      contactPoints: cluster.contactPoints,
      localDataCenter: cluster.localDataCenter,
      credentials: cluster.credentials,
      dir: cluster.dir,
      tlsCaFile: cluster.tlsCaFile,
    };
  };

  const localDataCenter = process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1';
  const main = process.env.CASSANDRA_CONTACT_POINTS
    ? Promise.resolve({
        contactPoints: split(process.env.CASSANDRA_CONTACT_POINTS),
        localDataCenter,
        tlsCaFile: process.env.CASSANDRA_TLS_CA,
      })
    : local({ nodes: 3, dir: DEFAULT_CLUSTER_DIR, tls: 'optional' });
  const secured = process.env.CASSANDRA_AUTH_CONTACT_POINTS
    ? Promise.resolve({
        contactPoints: split(process.env.CASSANDRA_AUTH_CONTACT_POINTS),
        localDataCenter,
        credentials: {
          username: process.env.CASSANDRA_AUTH_USERNAME ?? DEFAULT_SUPERUSER.username,
          password: process.env.CASSANDRA_AUTH_PASSWORD ?? DEFAULT_SUPERUSER.password,
        },
      })
    : local(AUTH_CLUSTER);

  const teardown = async (): Promise<void> => {
    await Promise.all(leased.map((cluster) => cluster.release()));
  };
  // Both start at once; if one fails, the other's nodes must not be left behind.
  const [cassandra, cassandraAuth] = await Promise.allSettled([main, secured]);
  if (cassandra.status === 'rejected' || cassandraAuth.status === 'rejected') {
    await teardown();
    throw cassandra.status === 'rejected'
      ? cassandra.reason
      : (cassandraAuth as PromiseRejectedResult).reason;
  }
  project.provide('cassandra', cassandra.value);
  project.provide('cassandraAuth', cassandraAuth.value);
  return teardown;
}
