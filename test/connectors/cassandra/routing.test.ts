import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplicaRouter, type ReplicaRoutingSpec } from '../../../connectors/cassandra/routing.ts';
import { RowMapper } from '../../../connectors/cassandra/schema.ts';

const spec: ReplicaRoutingSpec = {
  ring: {
    hosts: ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((a, i) => ({
      address: `${a}:9042`,
      datacenter: 'datacenter1',
      rack: 'rack1',
      tokens: [String(-(2n ** 63n) + BigInt(i) * 6148914691236517205n)],
    })),
    replication: { strategy: 'simple', replicationFactor: 3 },
  },
  schema: {
    keyspace: 'ks',
    table: 't',
    columns: [
      { name: 'user', type: 'text', typeName: 'text' },
      { name: 'day', type: 'date', typeName: 'date' },
      { name: 'n', type: 'int', typeName: 'int' },
    ],
    partitionKey: ['user', 'day'],
    clustering: ['n'],
  },
  write: {},
};

describe('replica router', () => {
  it('survives a thread crossing and routes like the ring routes the writer’s token (seeded property)', () => {
    const router = new ReplicaRouter(structuredClone(spec));
    const mapper = new RowMapper(spec.schema);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 12 }),
        (user, day, parallelism) => {
          const record = { user, day: day.toISOString().slice(0, 10), n: '1' };
          const expected = router.ring.instanceFor(mapper.bind(record).token, parallelism);
          expect(router.instanceFor(record, parallelism)).toBe(expected);
        },
      ),
      { seed: 77, numRuns: 500 },
    );
  });

  it('sends a record whose key does not convert to instance 0, where the writer rejects it', () => {
    const router = new ReplicaRouter(spec);
    expect(router.instanceFor({ user: 'u', day: 'not-a-date' }, 5)).toBe(0);
    expect(router.instanceFor({ day: '2024-01-01' }, 5)).toBe(0);
    expect(router.instanceFor('nope', 5)).toBe(0);
  });

  it('ignores the non-key columns: a bad value there does not move the record', () => {
    const router = new ReplicaRouter(spec);
    for (let i = 0; i < 50; i++) {
      const key = { user: `u${i}`, day: '2024-05-01' };
      expect(router.instanceFor({ ...key, n: 'x' }, 7)).toBe(
        router.instanceFor({ ...key, n: '3' }, 7),
      );
    }
  });
});
