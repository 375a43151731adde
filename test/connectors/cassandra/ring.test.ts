import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenFromBigInt } from '../../../connectors/cassandra/murmur3.ts';
import {
  parseReplication,
  Ring,
  type RingHost,
  type RingSpec,
} from '../../../connectors/cassandra/ring.ts';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

function host(address: string, tokens: Array<bigint | number>, dc = 'dc1', rack = 'r1'): RingHost {
  return { address, datacenter: dc, rack, tokens: tokens.map(String) };
}

function addresses(ring: Ring, token: bigint): string[] {
  return ring.replicasOf(tokenFromBigInt(token)).map((i) => ring.hosts[i]!.address);
}

// The local cluster's layout: three nodes, one token each.
const three = [
  host('127.0.0.1:9042', [MIN]),
  host('127.0.0.2:9042', [-3074457345618258603n]),
  host('127.0.0.3:9042', [3074457345618258602n]),
];

describe('ring', () => {
  it('gives a token to the host of the first ring token at or above it, wrapping around', () => {
    const ring = new Ring({
      hosts: three,
      replication: { strategy: 'simple', replicationFactor: 1 },
    });
    expect(addresses(ring, MIN)).toEqual(['127.0.0.1:9042']);
    expect(addresses(ring, MIN + 1n)).toEqual(['127.0.0.2:9042']);
    expect(addresses(ring, -3074457345618258603n)).toEqual(['127.0.0.2:9042']);
    expect(addresses(ring, 0n)).toEqual(['127.0.0.3:9042']);
    expect(addresses(ring, 3074457345618258603n)).toEqual(['127.0.0.1:9042']);
    expect(addresses(ring, MAX)).toEqual(['127.0.0.1:9042']);
  });

  it('places SimpleStrategy replicas clockwise from the owner', () => {
    const ring = new Ring({
      hosts: three,
      replication: { strategy: 'simple', replicationFactor: 2 },
    });
    expect(addresses(ring, 0n)).toEqual(['127.0.0.3:9042', '127.0.0.1:9042']);
    const rf5 = new Ring({
      hosts: three,
      replication: { strategy: 'simple', replicationFactor: 5 },
    });
    expect(addresses(rf5, MIN + 1n)).toEqual([
      '127.0.0.2:9042',
      '127.0.0.3:9042',
      '127.0.0.1:9042',
    ]);
  });

  it('places NetworkTopologyStrategy replicas per data center, spreading racks', () => {
    // Ring order: a1(r1) a2(r1) a3(r2) b1 a4(r2); dc1 has racks r1, r2.
    const hosts = [
      host('a1', [0], 'dc1', 'r1'),
      host('a2', [10], 'dc1', 'r1'),
      host('a3', [20], 'dc1', 'r2'),
      host('b1', [30], 'dc2', 'x'),
      host('a4', [40], 'dc1', 'r2'),
    ];
    const ring = new Ring({
      hosts,
      replication: { strategy: 'networkTopology', factors: { dc1: 2, dc2: 1 } },
    });
    // From a1: a2 shares rack r1 and RF 2 = 2 racks leaves no repeat, so a3 (r2) is taken.
    expect(addresses(ring, 0n)).toEqual(['a1', 'a3', 'b1']);
    const rf3 = new Ring({
      hosts,
      replication: { strategy: 'networkTopology', factors: { dc1: 3 } },
    });
    // RF 3 over 2 racks allows one repeat: a2 is taken in ring order.
    expect(addresses(rf3, 0n)).toEqual(['a1', 'a2', 'a3']);
    const noDc = new Ring({
      hosts,
      replication: { strategy: 'networkTopology', factors: { dc9: 3 } },
    });
    expect(addresses(noDc, 0n)).toEqual([]);
  });

  it('reads replication maps as the driver reports them', () => {
    expect(
      parseReplication('org.apache.cassandra.locator.SimpleStrategy', { replication_factor: '3' }),
    ).toEqual({
      strategy: 'simple',
      replicationFactor: 3,
    });
    expect(parseReplication('NetworkTopologyStrategy', { dc1: '3/1', dc2: '2' })).toEqual({
      strategy: 'networkTopology',
      factors: { dc1: 3, dc2: 2 },
    });
    expect(parseReplication('org.apache.cassandra.locator.LocalStrategy', {})).toEqual({
      strategy: 'everywhere',
    });
    expect(() => parseReplication('com.example.Custom', {})).toThrow(/com\.example\.Custom/);
  });

  const arbitraryRing = fc
    .record({
      hostCount: fc.integer({ min: 1, max: 8 }),
      vnodes: fc.integer({ min: 1, max: 8 }),
      dcs: fc.integer({ min: 1, max: 2 }),
      racks: fc.integer({ min: 1, max: 3 }),
      rf: fc.integer({ min: 1, max: 5 }),
      seedTokens: fc.array(fc.bigInt({ min: MIN, max: MAX }), { minLength: 64, maxLength: 64 }),
    })
    .map(({ hostCount, vnodes, dcs, racks, rf, seedTokens }) => {
      const hosts: RingHost[] = [];
      const used = new Set<bigint>();
      let next = 0;
      for (let h = 0; h < hostCount; h++) {
        const tokens: bigint[] = [];
        for (let v = 0; v < vnodes; v++) {
          let t = seedTokens[next++ % seedTokens.length]! + BigInt(h * 1000 + v);
          t = BigInt.asIntN(64, t);
          while (used.has(t)) t = BigInt.asIntN(64, t + 1n);
          used.add(t);
          tokens.push(t);
        }
        hosts.push(host(`10.0.0.${h}:9042`, tokens, `dc${h % dcs}`, `r${h % racks}`));
      }
      return { hosts, rf, dcs };
    });

  it('SimpleStrategy: RF distinct replicas, the owner first (seeded property)', () => {
    fc.assert(
      fc.property(arbitraryRing, fc.bigInt({ min: MIN, max: MAX }), ({ hosts, rf }, t) => {
        const ring = new Ring({
          hosts,
          replication: { strategy: 'simple', replicationFactor: rf },
        });
        const replicas = ring.replicasOf(tokenFromBigInt(t));
        expect(new Set(replicas).size).toBe(replicas.length);
        expect(replicas.length).toBe(Math.min(rf, hosts.length));
        // The owner is the host with the smallest token ≥ t, or the smallest token overall.
        const all = hosts.flatMap((h) => h.tokens.map((x) => ({ t: BigInt(x), a: h.address })));
        all.sort((x, y) => (x.t < y.t ? -1 : 1));
        const owner = all.find((x) => x.t >= t) ?? all[0]!;
        expect(ring.hosts[replicas[0]!]!.address).toBe(owner.a);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('numbers replica sets: two tokens share an index exactly when they share their replicas (seeded property)', () => {
    fc.assert(
      fc.property(
        arbitraryRing,
        fc.bigInt({ min: MIN, max: MAX }),
        fc.bigInt({ min: MIN, max: MAX }),
        ({ hosts, rf }, a, b) => {
          const ring = new Ring({
            hosts,
            replication: { strategy: 'simple', replicationFactor: rf },
          });
          const [ta, tb] = [tokenFromBigInt(a), tokenFromBigInt(b)];
          const [sa, sb] = [ring.replicaSetOf(ta), ring.replicaSetOf(tb)];
          expect(ring.replicaSets[sa]).toEqual(ring.replicasOf(ta));
          const same = ring.replicasOf(ta).join() === ring.replicasOf(tb).join();
          expect(sa === sb).toBe(same);
        },
      ),
      { seed: 13, numRuns: 300 },
    );
  });

  it('NetworkTopologyStrategy: min(RF, hosts) per DC, distinct racks when there are enough (seeded property)', () => {
    fc.assert(
      fc.property(arbitraryRing, fc.bigInt({ min: MIN, max: MAX }), ({ hosts, rf, dcs }, t) => {
        const factors = Object.fromEntries(Array.from({ length: dcs }, (_, d) => [`dc${d}`, rf]));
        const spec: RingSpec = { hosts, replication: { strategy: 'networkTopology', factors } };
        const ring = new Ring(spec);
        const replicas = ring.replicasOf(tokenFromBigInt(t)).map((i) => ring.hosts[i]!);
        expect(new Set(replicas).size).toBe(replicas.length);
        for (const dc of Object.keys(factors)) {
          const inDc = hosts.filter((h) => h.datacenter === dc);
          const chosen = replicas.filter((h) => h.datacenter === dc);
          expect(chosen.length).toBe(Math.min(rf, inDc.length));
          const racks = new Set(inDc.map((h) => h.rack)).size;
          if (racks >= rf) expect(new Set(chosen.map((h) => h.rack)).size).toBe(chosen.length);
        }
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('replica partitioning: an instance owns whole hosts, or shares one host with others', () => {
    fc.assert(
      fc.property(
        arbitraryRing,
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.bigInt({ min: MIN, max: MAX }), { minLength: 100, maxLength: 100 }),
        ({ hosts }, parallelism, tokens) => {
          const ring = new Ring({
            hosts,
            replication: { strategy: 'simple', replicationFactor: 1 },
          });
          const H = ring.hosts.length;
          for (const t of tokens) {
            const token = tokenFromBigInt(t);
            const primary = ring.replicasOf(token)[0]!;
            const instance = ring.instanceFor(token, parallelism);
            expect(instance).toBeGreaterThanOrEqual(0);
            expect(instance).toBeLessThan(parallelism);
            if (parallelism <= H) expect(instance).toBe(primary % parallelism);
            else expect(instance % H).toBe(primary);
          }
        },
      ),
      { seed: 13, numRuns: 100 },
    );
  });

  it('replica partitioning uses every instance when there are more instances than hosts', () => {
    const ring = new Ring({
      hosts: three,
      replication: { strategy: 'simple', replicationFactor: 3 },
    });
    const used = new Map<number, number>();
    fc.assert(
      fc.property(fc.bigInt({ min: MIN, max: MAX }), (t) => {
        const i = ring.instanceFor(tokenFromBigInt(t), 8);
        used.set(i, (used.get(i) ?? 0) + 1);
      }),
      { seed: 14, numRuns: 4000 },
    );
    expect([...used.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('indexes hosts by address, the same on every thread', () => {
    const a = new Ring({ hosts: three, replication: { strategy: 'simple', replicationFactor: 1 } });
    const b = new Ring({
      hosts: [...three].reverse(),
      replication: { strategy: 'simple', replicationFactor: 1 },
    });
    expect(a.hosts.map((h) => h.address)).toEqual(b.hosts.map((h) => h.address));
  });
});
