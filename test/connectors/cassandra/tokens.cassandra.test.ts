import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFromBigInt, tokenOf } from '../../../connectors/cassandra/murmur3.ts';
import { Ring, ringSpecFromClient } from '../../../connectors/cassandra/ring.ts';
import { createKeyspace, testClient, uniqueName } from './cluster.ts';
import { clusterTokens, createTokenTable } from './live-tokens.ts';
import { COMPOSITES, KEY_TYPES, type KeyType, keyBytes, prng, randomKey } from './token-cases.ts';

const SEED = Number(process.env.SLUICE_TEST_SEED ?? 515);
const KEYS_PER_SHAPE = 30;
const SHAPES: ReadonlyArray<readonly KeyType[]> = [...KEY_TYPES.map((t) => [t]), ...COMPOSITES];

let client: cassandra.Client;
const keyspaces = { rf1: uniqueName('sluice_tok1'), rf3: uniqueName('sluice_tok3') };

beforeAll(async () => {
  client = testClient();
  await client.connect();
  await createKeyspace(client, keyspaces.rf1, 1);
  await createKeyspace(client, keyspaces.rf3, 3);
  await Promise.all(SHAPES.map((shape) => createTokenTable(client, keyspaces.rf1, shape)));
});

afterAll(async () => {
  for (const ks of Object.values(keyspaces)) await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await client.shutdown();
});

describe(`tokens against Cassandra (seed ${SEED})`, () => {
  it.each(SHAPES.map((shape) => [shape.join(', '), shape] as const))(
    'partition key (%s): our token equals SELECT token(...)',
    async (_, shape) => {
      const random = prng(SEED + shape.length * 1000 + shape[0]!.length);
      const keys = Array.from({ length: KEYS_PER_SHAPE }, () =>
        shape.map((t) => randomKey(t, random)),
      );
      const cases = await clusterTokens(client, keyspaces.rf1, [...shape], keys);
      expect(cases).toHaveLength(KEYS_PER_SHAPE);
      for (const c of cases) {
        expect({ key: c.key, token: String(tokenOf(keyBytes(c.shape, c.key))) }).toEqual({
          key: c.key,
          token: c.token,
        });
      }
    },
  );

  it.each(['rf1', 'rf3'] as const)(
    'the ring (%s) names the same replicas as the driver',
    async (rf) => {
      const ring = new Ring(ringSpecFromClient(client, keyspaces[rf]));
      expect(ring.hosts).toHaveLength(3);
      const random = prng(SEED);
      for (let i = 0; i < 500; i++) {
        const key = Buffer.from(randomKey('text', random));
        const token = tokenOf(key);
        const ours = ring.replicasOf(tokenFromBigInt(token)).map((h) => ring.hosts[h]!.address);
        const theirs = client.metadata.getReplicas(keyspaces[rf], key).map((h) => h.address);
        expect(new Set(ours)).toEqual(new Set(theirs));
        expect(ours).toHaveLength(rf === 'rf1' ? 1 : 3);
      }
    },
  );
});
