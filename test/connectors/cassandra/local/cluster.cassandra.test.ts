/**
 * The local 3-node cluster the suite runs on: real JVMs on 127.0.0.1-3, checked through the
 * driver the way a user's job would see them.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  clusterStatus,
  DEFAULT_CLUSTER_DIR,
  ensureLocalCluster,
  type LocalCluster,
} from '../../../../connectors/cassandra/local/index.ts';
import { clusterLayout } from '../../../../connectors/cassandra/local/layout.ts';
import { nodeClient, probeCluster } from '../../../../connectors/cassandra/local/probe.ts';
import '../../../setup/cassandra-context.ts';

const execFileAsync = promisify(execFile);
const CLI = new URL('../../../../bin/sluice.js', import.meta.url).pathname;
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const KEYSPACE = 'sluice_local_cluster_test';
const quiet = (): void => {};

// This file tests the local launcher itself, so it needs the local cluster even when the rest
// of the suite runs against CASSANDRA_CONTACT_POINTS; then it starts it and stops what it started.
let cluster: LocalCluster;
let client: cassandra.Client;

beforeAll(async () => {
  cluster = await ensureLocalCluster({
    isLeased: true,
    nodes: 3,
    dir: inject('cassandra').dir ?? DEFAULT_CLUSTER_DIR,
    onProgress: quiet,
  });
  client = new cassandra.Client({
    contactPoints: cluster.contactPoints,
    localDataCenter: cluster.localDataCenter,
  });
  await client.connect();
});

afterAll(async () => {
  await client?.shutdown();
  await cluster?.release();
});

describe('a local 3-node cluster', () => {
  it('serves CQL on each node’s own address, with the pre-computed tokens', async () => {
    const layout = clusterLayout(cluster.dir, 3);
    for (const node of layout.nodes) {
      const pinned = nodeClient(node);
      try {
        const local = (
          await pinned.execute('SELECT listen_address, tokens FROM system.local')
        ).first();
        expect(String(local.listen_address)).toBe(node.address);
        expect([...local.tokens]).toEqual([node.token]);
        const peers = await pinned.execute('SELECT peer, native_address FROM system.peers_v2');
        expect(peers.rows.map((row) => String(row.peer)).sort()).toEqual(
          ADDRESSES.filter((address) => address !== node.address),
        );
      } finally {
        await pinned.shutdown();
      }
    }
  });

  it('has every node seeing the two others UP in its gossip', async () => {
    // Each node watches its gossip state until every peer's heartbeat has moved.
    const probes = await probeCluster(clusterLayout(cluster.dir, 3), undefined, {
      isGossipChecked: true,
    });
    expect(probes.map((probe) => [probe.servesCql, probe.peersUp])).toEqual([
      [true, ['127.0.0.2', '127.0.0.3']],
      [true, ['127.0.0.1', '127.0.0.3']],
      [true, ['127.0.0.1', '127.0.0.2']],
    ]);
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
    expect(hosts.map((host) => host.address.split(':')[0]).sort()).toEqual(ADDRESSES);
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
    const again = await ensureLocalCluster({ nodes: 3, dir: cluster.dir, onProgress: quiet });
    expect(again.pids).toEqual(cluster.pids);
    expect(again.startedNodes).toEqual([]);
    expect(again.contactPoints).toEqual(ADDRESSES.map((address) => `${address}:9042`));
  });

  it('refuses to reuse the dir for a cluster of another shape', async () => {
    await expect(
      ensureLocalCluster({ nodes: 2, dir: cluster.dir, onProgress: quiet }),
    ).rejects.toThrow(/holds a Cassandra 5\.0\.\d+ cluster of 3 node\(s\).*but 2 node\(s\)/);
  });

  it('reports 3 nodes UP in status, each seeing the other two', async () => {
    const status = await clusterStatus(cluster.dir);
    expect(status.exists).toBe(true);
    expect(status.nodes.map((node) => [node.address, node.pid, node.isUp])).toEqual(
      ADDRESSES.map((address, i) => [address, cluster.pids[i], true]),
    );
    for (const node of status.nodes) {
      expect(node.peersUp).toEqual(ADDRESSES.filter((address) => address !== node.address));
    }
  });

  it('is reported by the CLI: start reuses it, status --json shows 3 nodes UP', async () => {
    const start = await execFileAsync(process.execPath, [
      CLI,
      'cassandra',
      'start',
      '--dir',
      cluster.dir,
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
