/**
 * Where each node of a local cluster lives: its loopback address, its ports, its folders, and
 * its token. Pure functions of (cluster dir, node number), so `start`, `stop` and `status` agree
 * without reading each other's state.
 *
 * Node N listens on 127.0.0.N: on Linux all of 127.0.0.0/8 is loopback, so every node can use the
 * standard ports (storage 7000, CQL 9042) and the driver sees a real multi-host ring.
 */
import { join, resolve } from 'node:path';

export const STORAGE_PORT = 7000;
export const NATIVE_PORT = 9042;
export const LOCAL_DATA_CENTER = 'datacenter1';
/** The Murmur3Partitioner's token range is [-2^63, 2^63 - 1]. */
const MIN_TOKEN = -(2n ** 63n);
const RING_SIZE = 2n ** 64n;
/** Addresses above 127.0.0.254 do not exist, and JMX ports 7000 + 100 N must stay below 65536. */
export const MAX_NODE_NUMBER = 254;

export interface NodeLayout {
  /** 1-based node number; also the last byte of its address. */
  number: number;
  address: string;
  nativePort: number;
  storagePort: number;
  jmxPort: number;
  /** The token this node owns (a single token per node, evenly spaced). */
  token: string;
  dir: string;
  dataDir: string;
  logDir: string;
  confDir: string;
  pidFile: string;
  /** stdout and stderr of the JVM: only output before logback starts ends up here. */
  consoleLog: string;
  systemLog: string;
}

export interface ClusterLayout {
  dir: string;
  name: string;
  nodes: NodeLayout[];
  /** The first node is the only seed. */
  seed: NodeLayout;
  metaFile: string;
  /** The CA and the nodes' keystore, when client connections are encrypted (tls.ts). */
  tlsDir: string;
}

/**
 * Evenly spaced single tokens for `count` nodes: token i = -2^63 + floor(i * 2^64 / count).
 * For 3 nodes: -9223372036854775808, -3074457345618258603, 3074457345618258602.
 */
export function evenTokens(count: number): string[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`a cluster needs at least 1 node, got ${count}`);
  }
  const tokens: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    tokens.push((MIN_TOKEN + (i * RING_SIZE) / BigInt(count)).toString());
  }
  return tokens;
}

/**
 * `firstNode` shifts the addresses, so a second cluster (say a single node with password auth on
 * 127.0.0.4) can run beside a 3-node cluster on 127.0.0.1-3.
 */
export function clusterLayout(dir: string, nodes: number, firstNode = 1): ClusterLayout {
  const absolute = resolve(dir);
  const lastNode = firstNode + nodes - 1;
  if (!Number.isInteger(firstNode) || firstNode < 1 || lastNode > MAX_NODE_NUMBER) {
    throw new RangeError(
      `node numbers ${firstNode}..${lastNode} fall outside 1..${MAX_NODE_NUMBER} (127.0.0.N)`,
    );
  }
  const tokens = evenTokens(nodes);
  const layouts = tokens.map((token, i) => nodeLayout(absolute, firstNode + i, token));
  return {
    dir: absolute,
    // Gossip rejects messages from another cluster name, so two local clusters never merge.
    name: `sluice-local-${firstNode}-${nodes}`,
    nodes: layouts,
    seed: layouts[0]!,
    metaFile: join(absolute, 'cluster.json'),
    tlsDir: join(absolute, 'tls'),
  };
}

function nodeLayout(clusterDir: string, number: number, token: string): NodeLayout {
  const dir = join(clusterDir, `node${number}`);
  const logDir = join(dir, 'logs');
  return {
    number,
    address: `127.0.0.${number}`,
    nativePort: NATIVE_PORT,
    storagePort: STORAGE_PORT,
    jmxPort: 7000 + 100 * number,
    token,
    dir,
    dataDir: join(dir, 'data'),
    logDir,
    confDir: join(dir, 'conf'),
    pidFile: join(dir, 'cassandra.pid'),
    consoleLog: join(logDir, 'console.log'),
    systemLog: join(logDir, 'system.log'),
  };
}
