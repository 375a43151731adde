/**
 * A local 3-node cluster as the launcher runs it: real JVMs, each on its own loopback address,
 * checked through the driver the way a user's job would see them. It is the suite's own cluster
 * on 127.0.0.1-3 when the suite runs one. When the suite runs against a cluster of yours
 * (CASSANDRA_CONTACT_POINTS), which may well sit on those addresses, this file starts a private
 * cluster on 127.0.0.11-13 instead (private-cluster.ts) and stops it at its end.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  clusterStatus,
  ensureLocalCluster,
  type LocalCluster,
} from '../../../../connectors/cassandra/local/index.ts';
import {
  type ClusterLayout,
  clusterLayout,
} from '../../../../connectors/cassandra/local/layout.ts';
import { nodeClient, probeCluster } from '../../../../connectors/cassandra/local/probe.ts';
import '../../../setup/cassandra-context.ts';
import { PRIVATE_CLUSTER, startPrivateCluster } from '../private-cluster.ts';

const execFileAsync = promisify(execFile);
const CLI = new URL('../../../../bin/sluice.js', import.meta.url).pathname;
const KEYSPACE = 'sluice_local_cluster_test';
/** The global setup starts the suite's cluster from node 1 (the launcher's default). */
const SUITE_FIRST_NODE = 1;
const quiet = (): void => {};

let cluster: LocalCluster;
let firstNode: number;
let layout: ClusterLayout;
/** Node addresses, in node order. */
let addresses: string[];
let release: () => Promise<unknown>;
let client: cassandra.Client;

beforeAll(async () => {
  const suiteDir = inject('cassandra').dir;
  if (suiteDir === undefined) {
    const own = await startPrivateCluster();
    cluster = own.cluster;
    firstNode = PRIVATE_CLUSTER.firstNode;
    release = () => own.stop();
  } else {
    // Leased like the global setup's, so a run sharing the cluster never stops it under us.
    cluster = await ensureLocalCluster({
      isLeased: true,
      nodes: 3,
      dir: suiteDir,
      firstNode: SUITE_FIRST_NODE,
      onProgress: quiet,
    });
    firstNode = SUITE_FIRST_NODE;
    release = () => cluster.release();
  }
  layout = clusterLayout(cluster.dir, 3, firstNode);
  addresses = layout.nodes.map((node) => node.address);
  client = new cassandra.Client({
    contactPoints: cluster.contactPoints,
    localDataCenter: cluster.localDataCenter,
  });
  await client.connect();
});

afterAll(async () => {
  await client?.shutdown();
  await release?.();
});

const othersThan = (address: string) => addresses.filter((other) => other !== address);

describe('a local 3-node cluster', () => {
  it('serves CQL on each node’s own address, with the pre-computed tokens', async () => {
    for (const node of layout.nodes) {
      const pinned = nodeClient(node);
      try {
        const local = (
          await pinned.execute('SELECT listen_address, tokens FROM system.local')
        ).first();
        expect(String(local.listen_address)).toBe(node.address);
        expect([...local.tokens]).toEqual([node.token]);
        const peers = await pinned.execute('SELECT peer, native_address FROM system.peers_v2');
        expect(peers.rows.map((row) => String(row.peer)).sort()).toEqual(othersThan(node.address));
      } finally {
        await pinned.shutdown();
      }
    }
  });

  it('has every node seeing the two others UP in its gossip', async () => {
    // Each node watches its gossip state until every peer's heartbeat has moved.
    const probes = await probeCluster(layout, undefined, { isGossipChecked: true });
    expect(probes.map((probe) => [probe.servesCql, probe.peersUp])).toEqual(
      addresses.map((address) => [true, othersThan(address)]),
    );
  });

  // A coordinator answers at consistency ALL only when its failure detector holds every replica
  // alive, so a read at ALL through each node proves, independently of gossip tables, that each
  // node sees the two others UP.
  it('takes a write at consistency ALL with RF 3 and reads it back through every node', async () => {
    await client.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`,
    );
    await client.execute(`CREATE TABLE IF NOT EXISTS ${KEYSPACE}.kv (k uuid PRIMARY KEY, v text)`);
    const all = cassandra.types.consistencies.all;
    const key = randomUUID();
    await client.execute(
      `INSERT INTO ${KEYSPACE}.kv (k, v) VALUES (?, ?)`,
      [key, 'written at ALL'],
      {
        prepare: true,
        consistency: all,
      },
    );
    const hosts = client.getState().getConnectedHosts();
    expect(hosts.map((host) => host.address.split(':')[0]).sort()).toEqual(addresses);
    for (const host of hosts) {
      const row = (
        await client.execute(`SELECT v FROM ${KEYSPACE}.kv WHERE k = ?`, [key], {
          prepare: true,
          consistency: all,
          host,
        })
      ).first();
      expect(row?.v).toBe('written at ALL');
    }
  });

  it('is reused by ensureLocalCluster: same pids, nothing started', async () => {
    const again = await ensureLocalCluster({
      nodes: 3,
      dir: cluster.dir,
      firstNode,
      onProgress: quiet,
    });
    expect(again.pids).toEqual(cluster.pids);
    expect(again.startedNodes).toEqual([]);
    expect(again.contactPoints).toEqual(addresses.map((address) => `${address}:9042`));
  });

  it('refuses to reuse the dir for a cluster of another shape', async () => {
    await expect(
      ensureLocalCluster({ nodes: 2, dir: cluster.dir, firstNode, onProgress: quiet }),
    ).rejects.toThrow(/holds a Cassandra 5\.0\.\d+ cluster of 3 node\(s\).*but 2 node\(s\)/);
  });

  it('reports 3 nodes UP in status, each seeing the other two', async () => {
    const status = await clusterStatus(cluster.dir);
    expect(status.exists).toBe(true);
    expect(status.nodes.map((node) => [node.address, node.pid, node.isUp])).toEqual(
      addresses.map((address, i) => [address, cluster.pids[i], true]),
    );
    for (const node of status.nodes) expect(node.peersUp).toEqual(othersThan(node.address));
  });

  it('is reported by the CLI: start reuses it, status --json shows 3 nodes UP', async () => {
    const start = await execFileAsync(process.execPath, [
      CLI,
      'cassandra',
      'start',
      '--dir',
      cluster.dir,
      '--first-node',
      String(firstNode),
    ]);
    expect(start.stdout).toBe(`${cluster.contactPoints.join(',')}\n`);
    expect(start.stderr).toMatch(/reused in \d+\.\d s/);
    const status = await execFileAsync(process.execPath, [
      CLI,
      'cassandra',
      'status',
      '--json',
      '--dir',
      cluster.dir,
    ]);
    const parsed = JSON.parse(status.stdout) as { nodes: { pid: number; isUp: boolean }[] };
    expect(parsed.nodes.map((node) => [node.pid, node.isUp])).toEqual(
      cluster.pids.map((pid) => [pid, true]),
    );
  });
});
