/**
 * "Ready" for a local cluster means: every node answers CQL on its own address, and every node's
 * gossip shows each other node in state NORMAL with a heartbeat that moved while we watched
 * (up to 8 s).
 *
 * A moving heartbeat is what Cassandra's failure detector feeds on, so a peer whose heartbeat
 * advances in a node's gossip state is one that node marks UP (and a write at consistency ALL
 * through it succeeds). system.peers_v2 alone is not enough: it keeps rows for dead peers.
 */
import cassandra from 'cassandra-driver';
import { type ClusterLayout, LOCAL_DATA_CENTER, type NodeLayout } from './layout.ts';
import { setupError } from './toolchain.ts';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * A driver session pinned to one node: queries never fail over to another. With `tlsCa` it
 * speaks TLS and verifies the node's certificate against that CA (the driver alone would not).
 */
export function nodeClient(
  node: NodeLayout,
  credentials?: Credentials,
  tlsCa?: string,
): cassandra.Client {
  const endpoint = `${node.address}:${node.nativePort}`;
  const { AllowListPolicy, DCAwareRoundRobinPolicy } = cassandra.policies.loadBalancing;
  return new cassandra.Client({
    contactPoints: [endpoint],
    localDataCenter: LOCAL_DATA_CENTER,
    policies: {
      loadBalancing: new AllowListPolicy(new DCAwareRoundRobinPolicy(LOCAL_DATA_CENTER), [
        endpoint,
      ]),
      reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500),
    },
    socketOptions: { connectTimeout: 2_000, readTimeout: 10_000 },
    pooling: { warmup: false },
    ...(tlsCa === undefined ? {} : { sslOptions: { ca: tlsCa, rejectUnauthorized: true } }),
    ...(credentials
      ? {
          authProvider: new cassandra.auth.PlainTextAuthProvider(
            credentials.username,
            credentials.password,
          ),
        }
      : {}),
  });
}

export interface PeerView {
  address: string;
  status: string;
  /** Changes when the peer restarts (its heartbeat then starts again from 0). */
  generation: number;
  heartbeat: number;
}

/** What one node's gossip says about every endpoint it knows, itself included. */
export async function gossipView(client: cassandra.Client): Promise<PeerView[]> {
  const result = await client.execute(
    'SELECT address, status, status_with_port, generation, heartbeat FROM system_views.gossip_info',
  );
  return result.rows.map((row) => ({
    address: String(row.address),
    // 5.0 nodes publish STATUS_WITH_PORT; the legacy STATUS is only set on a node about itself.
    status: String(row.status_with_port ?? row.status ?? ''),
    generation: Number(row.generation ?? -1),
    heartbeat: Number(row.heartbeat ?? -1),
  }));
}

/** Whether a gossip STATUS value (e.g. "NORMAL,-3074457345618258603") says the peer is in the ring. */
export function isNormalStatus(status: string): boolean {
  return status.split(',')[0] === 'NORMAL';
}

export interface NodeReadiness {
  node: number;
  servesCql: boolean;
  /** Peers (by address) this node sees NORMAL with an advancing heartbeat. */
  peersUp: string[];
  /** Why CQL failed, when it did. */
  error?: string | undefined;
}

/**
 * Compares two gossip snapshots taken by one node some time apart: a peer counts as UP when it
 * is NORMAL in the second one and its heartbeat grew (or its generation changed, which resets it).
 */
export function peersUpBetween(self: string, before: PeerView[], after: PeerView[]): string[] {
  const earlier = new Map(before.map((peer) => [peer.address, peer]));
  return after
    .filter((peer) => peer.address !== self && isNormalStatus(peer.status))
    .filter((peer) => {
      const previous = earlier.get(peer.address);
      if (previous === undefined || previous.generation !== peer.generation) return true;
      return peer.heartbeat > previous.heartbeat;
    })
    .map((peer) => peer.address)
    .sort();
}

export interface ProbeOptions {
  /** Take two gossip snapshots ~1 s apart (heartbeats tick once a second) to find peers UP. */
  isGossipChecked: boolean;
  /** The CA's PEM, for a cluster that encrypts client connections: probe over TLS. */
  tlsCa?: string | undefined;
}

/**
 * A node hears a peer's new heartbeat only when a gossip round (one random peer a second) carries
 * it there, so on a loaded machine a healthy peer can look still for a few seconds. The failure
 * detector tolerates that (phi_convict_threshold 8 is ~18 s of silence), so we watch up to 8 s,
 * stopping as soon as every NORMAL peer has moved.
 */
const HEARTBEAT_WATCH_MAX_MS = 8_000;
const GOSSIP_POLL_MS = 500;

/** Probes every node at once, so a cluster costs one heartbeat watch, not one per node. */
export async function probeCluster(
  layout: ClusterLayout,
  credentials: Credentials | undefined,
  options: ProbeOptions,
): Promise<NodeReadiness[]> {
  return Promise.all(
    layout.nodes.map(async (node): Promise<NodeReadiness> => {
      const client = nodeClient(node, credentials, options.tlsCa);
      try {
        await client.connect();
        if (!options.isGossipChecked) return { node: node.number, servesCql: true, peersUp: [] };
        const before = await gossipView(client);
        const others = before.filter(
          (peer) => peer.address !== node.address && isNormalStatus(peer.status),
        ).length;
        const peersUp = new Set<string>();
        const deadline = Date.now() + HEARTBEAT_WATCH_MAX_MS;
        while (Date.now() < deadline && (peersUp.size < others || others === 0)) {
          await new Promise((resolve) => setTimeout(resolve, GOSSIP_POLL_MS));
          const after = await gossipView(client);
          for (const address of peersUpBetween(node.address, before, after)) peersUp.add(address);
          if (others === 0) break;
        }
        return { node: node.number, servesCql: true, peersUp: [...peersUp].sort() };
      } catch (error) {
        return { node: node.number, servesCql: false, peersUp: [], error: describe(error) };
      } finally {
        await client.shutdown().catch(() => {});
      }
    }),
  );
}

function describe(error: unknown): string {
  if (error instanceof cassandra.errors.NoHostAvailableError) {
    const inner = Object.values(error.innerErrors as Record<string, Error>)[0];
    return inner?.message ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Whether every node serves CQL and sees every other node UP. */
export function isClusterReady(layout: ClusterLayout, probes: NodeReadiness[]): boolean {
  return layout.nodes.every((node, i) => {
    const probe = probes[i];
    if (!probe?.servesCql) return false;
    return layout.nodes.every((peer) => peer === node || probe.peersUp.includes(peer.address));
  });
}

export function summarize(layout: ClusterLayout, probes: NodeReadiness[]): string {
  return layout.nodes
    .map((node, i) => {
      const probe = probes[i];
      if (!probe?.servesCql) return `${node.address} no CQL yet`;
      const others = layout.nodes.length - 1;
      return `${node.address} CQL ok, sees ${probe.peersUp.length}/${others} peers UP`;
    })
    .join('; ');
}

export interface WaitOptions {
  credentials: Credentials | undefined;
  tlsCa: string | undefined;
  /** Epoch ms. */
  deadline: number;
  /** The limit the deadline was computed from, for the error message. */
  timeoutMs: number;
  onProgress: (message: string) => void;
}

/**
 * Polls until the cluster is ready: the nodes are other processes, so there is no event to
 * await; once CQL is up, each round also watches the heartbeats.
 */
export async function waitUntilReady(layout: ClusterLayout, options: WaitOptions): Promise<void> {
  let last = '';
  for (;;) {
    const { credentials, tlsCa } = options;
    const cqlProbes = await probeCluster(layout, credentials, { isGossipChecked: false, tlsCa });
    const probes = cqlProbes.every((probe) => probe.servesCql)
      ? await probeCluster(layout, credentials, { isGossipChecked: true, tlsCa })
      : cqlProbes;
    if (isClusterReady(layout, probes)) return;
    const summary = summarize(layout, probes);
    if (summary !== last) options.onProgress(`waiting: ${summary}`);
    last = summary;
    if (Date.now() > options.deadline) {
      const errors = probes
        .filter((probe) => probe.error !== undefined)
        .map((probe) => `node ${probe.node}: ${probe.error}`);
      throw setupError(
        `the cluster in ${layout.dir} was not ready within ${options.timeoutMs / 1000} s (${summary})${errors.length ? `; ${errors.join('; ')}` : ''}; see the logs under ${layout.dir}/node*/logs`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
