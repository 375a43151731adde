/**
 * The token ring of one keyspace: which hosts are the replicas of a token.
 *
 * Built from plain data (`RingSpec`: hosts with their tokens, and the keyspace's
 * replication), so the same ring can be rebuilt on any thread. Replica sets are computed
 * once per ring position, as Cassandra's strategies place them:
 *  - SimpleStrategy: walk the ring clockwise from the token's owner, take the first RF
 *    distinct hosts;
 *  - NetworkTopologyStrategy: walk once, filling each data center to its RF; a host whose
 *    rack already holds a replica is taken only while the data center still has "rack
 *    repeats" to spend (RF − racks in the DC), which is how Cassandra spreads replicas
 *    across racks;
 *  - LocalStrategy / EverywhereStrategy: every host.
 *
 * A token t belongs to the range (previous ring token, next ring token], owned by the host
 * of the first ring token ≥ t (wrapping to the first token).
 */

import type cassandra from 'cassandra-driver';
import { ConnectorError } from '../../runtime/errors.ts';
import { compareTokens, type Token, tokenFromBigInt } from './murmur3.ts';

export interface RingHost {
  /** "address:port" as the driver names the host. */
  address: string;
  datacenter: string;
  rack: string;
  /** Decimal strings of signed 64-bit tokens. */
  tokens: string[];
}

export type Replication =
  | { strategy: 'simple'; replicationFactor: number }
  | { strategy: 'networkTopology'; factors: Record<string, number> }
  | { strategy: 'everywhere' };

export interface RingSpec {
  hosts: RingHost[];
  replication: Replication;
}

export class Ring {
  /** Sorted by address: a host's index is the same on every thread. */
  readonly hosts: readonly RingHost[];
  readonly #tokenHi: Int32Array;
  readonly #tokenLo: Uint32Array;
  /** Replica host indexes per ring position; the first is the owner (primary replica). */
  readonly #replicas: ReadonlyArray<readonly number[]>;
  /** Per ring position, the index of its replica set among the distinct sets. */
  readonly #setOf: Uint32Array;
  /** The distinct replica sets, each once; a set's index is its identity for batching. */
  readonly replicaSets: ReadonlyArray<readonly number[]>;

  constructor(spec: RingSpec) {
    this.hosts = [...spec.hosts].sort((a, b) => (a.address < b.address ? -1 : 1));
    const entries: Array<{ token: Token; host: number }> = [];
    this.hosts.forEach((host, index) => {
      for (const t of host.tokens) entries.push({ token: tokenFromBigInt(BigInt(t)), host: index });
    });
    if (entries.length === 0) {
      throw new ConnectorError('the token ring is empty: no host reported its tokens');
    }
    entries.sort((a, b) => compareTokens(a.token.hi, a.token.lo, b.token.hi, b.token.lo));
    this.#tokenHi = Int32Array.from(entries, (e) => e.token.hi);
    this.#tokenLo = Uint32Array.from(entries, (e) => e.token.lo);
    const owners = entries.map((e) => e.host);
    // Many positions share one replica set; keep one array per distinct set.
    const distinct = new Map<string, number>();
    const sets: Array<readonly number[]> = [];
    this.#setOf = new Uint32Array(owners.length);
    this.#replicas = owners.map((_, position) => {
      const set = placeReplicas(this.hosts, owners, position, spec.replication);
      const key = set.join(',');
      let index = distinct.get(key);
      if (index === undefined) {
        index = sets.length;
        distinct.set(key, index);
        sets.push(set);
      }
      this.#setOf[position] = index;
      return sets[index]!;
    });
    this.replicaSets = sets;
  }

  get size(): number {
    return this.#tokenHi.length;
  }

  /** Ring position owning `token`: the first ring token ≥ token, wrapping around. */
  positionOf(token: Token): number {
    let low = 0;
    let high = this.#tokenHi.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareTokens(this.#tokenHi[mid]!, this.#tokenLo[mid]!, token.hi, token.lo) < 0) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low === this.#tokenHi.length ? 0 : low;
  }

  /** Host indexes of the replicas of `token`, primary first. */
  replicasOf(token: Token): readonly number[] {
    return this.#replicas[this.positionOf(token)]!;
  }

  /**
   * Index in `replicaSets` of the replicas of `token`: two tokens with the same index are
   * stored by the same hosts, so their rows may share an unlogged batch.
   */
  replicaSetOf(token: Token): number {
    return this.#setOf[this.positionOf(token)]!;
  }

  /**
   * The `replica` partitioning: the sink instance (0 … parallelism − 1) for a token.
   *
   * With hosts sorted by address and p the index of the token's primary replica:
   *  - parallelism ≤ hosts: instance p mod parallelism, so each instance owns the primary
   *    ranges of a fixed set of hosts and is the only one writing to them first-hand;
   *  - parallelism > hosts: the instances i with i mod hosts = p share host p, and the
   *    token's low 32 bits (well mixed by Murmur3) pick one of them, spreading partitions.
   */
  instanceFor(token: Token, parallelism: number): number {
    const primary = this.replicasOf(token)[0]!;
    const hostCount = this.hosts.length;
    if (parallelism <= hostCount) return primary % parallelism;
    const sharing = Math.floor((parallelism - 1 - primary) / hostCount) + 1;
    return primary + ((token.lo >>> 0) % sharing) * hostCount;
  }
}

function placeReplicas(
  hosts: readonly RingHost[],
  owners: readonly number[],
  start: number,
  replication: Replication,
): number[] {
  const chosen: number[] = [];
  const taken = new Set<number>();
  if (replication.strategy === 'everywhere') {
    chosen.push(owners[start]!);
    hosts.forEach((_, i) => {
      if (i !== owners[start]) chosen.push(i);
    });
    return chosen;
  }
  if (replication.strategy === 'simple') {
    const want = Math.min(replication.replicationFactor, hosts.length);
    for (let step = 0; step < owners.length && chosen.length < want; step++) {
      const host = owners[(start + step) % owners.length]!;
      if (!taken.has(host)) {
        taken.add(host);
        chosen.push(host);
      }
    }
    return chosen;
  }
  interface DcState {
    left: number;
    rackRepeats: number;
    racks: Set<string>;
  }
  const dcs = new Map<string, DcState>();
  for (const [dc, rf] of Object.entries(replication.factors)) {
    const inDc = hosts.filter((h) => h.datacenter === dc);
    if (rf <= 0 || inDc.length === 0) continue;
    const rackCount = new Set(inDc.map((h) => h.rack)).size;
    dcs.set(dc, { left: Math.min(rf, inDc.length), rackRepeats: rf - rackCount, racks: new Set() });
  }
  let open = dcs.size;
  for (let step = 0; step < owners.length && open > 0; step++) {
    const host = owners[(start + step) % owners.length]!;
    const info = hosts[host]!;
    const dc = dcs.get(info.datacenter);
    if (dc === undefined || dc.left === 0 || taken.has(host)) continue;
    if (dc.racks.has(info.rack)) {
      if (dc.rackRepeats <= 0) continue;
      dc.rackRepeats--;
    } else {
      dc.racks.add(info.rack);
    }
    taken.add(host);
    chosen.push(host);
    if (--dc.left === 0) open--;
  }
  return chosen;
}

/** Reads a replication map as the driver reports it (class name and string options). */
export function parseReplication(strategy: string, options: Record<string, string>): Replication {
  const name = strategy.slice(strategy.lastIndexOf('.') + 1);
  // Transient replication writes "3/1": the full replica count comes first.
  const factor = (value: string | undefined) => Number.parseInt(value ?? '', 10);
  if (name === 'SimpleStrategy') {
    const rf = factor(options.replication_factor);
    if (!(rf >= 0)) throw new ConnectorError(`SimpleStrategy without a replication_factor`);
    return { strategy: 'simple', replicationFactor: rf };
  }
  if (name === 'NetworkTopologyStrategy') {
    const factors: Record<string, number> = {};
    for (const [dc, value] of Object.entries(options)) {
      if (dc !== 'class' && factor(value) >= 0) factors[dc] = factor(value);
    }
    return { strategy: 'networkTopology', factors };
  }
  if (name === 'LocalStrategy' || name === 'EverywhereStrategy') return { strategy: 'everywhere' };
  throw new ConnectorError(`replication strategy ${strategy} is not supported for routing`);
}

/** The ring of `keyspace` from a connected client's metadata. */
export function ringSpecFromClient(client: cassandra.Client, keyspace: string): RingSpec {
  const ks = client.metadata.keyspaces[keyspace] as
    | { strategy: string; strategyOptions: Record<string, string> }
    | undefined;
  if (ks === undefined) {
    throw new ConnectorError(`keyspace "${keyspace}" does not exist`, { details: { keyspace } });
  }
  const hosts: RingHost[] = client.hosts.values().map((h) => ({
    address: h.address,
    datacenter: h.datacenter,
    rack: h.rack,
    tokens: [...(h.tokens ?? [])],
  }));
  return { hosts, replication: parseReplication(ks.strategy, ks.strategyOptions) };
}
