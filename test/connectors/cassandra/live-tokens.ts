/**
 * Asks a real Cassandra for the tokens of partition keys: one table per key shape, the keys
 * inserted through the driver, then `SELECT token(...)` per key. The token Cassandra
 * computes from the bytes the driver sent is the ground truth for murmur3.ts + serialize.ts.
 */

import cassandra from 'cassandra-driver';
import { converterFor } from '../../../connectors/cassandra/convert.ts';
import { type KeyType, tableFor } from './token-cases.ts';

export interface TokenCase {
  shape: KeyType[];
  key: string[];
  token: string;
}

export async function clusterTokens(
  client: cassandra.Client,
  keyspace: string,
  shape: KeyType[],
  keys: string[][],
): Promise<TokenCase[]> {
  const table = `${keyspace}.${tableFor(shape)}`;
  const columns = shape.map((_, i) => `p${i}`);
  await createTokenTable(client, keyspace, shape);
  const converters = shape.map((t, i) => converterFor(`p${i}`, t));
  const where = columns.map((c) => `${c} = ?`).join(' AND ');
  const cases: TokenCase[] = [];
  const chunk = 32;
  for (let i = 0; i < keys.length; i += chunk) {
    await Promise.all(
      keys.slice(i, i + chunk).map(async (key) => {
        const values = key.map((v, j) => converters[j]!(v));
        await client.execute(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
          values,
          { prepare: true },
        );
        const result = await client.execute(
          `SELECT token(${columns.join(', ')}) AS t FROM ${table} WHERE ${where}`,
          values,
          { prepare: true },
        );
        const token = result.first()?.get('t');
        if (token === undefined)
          throw new Error(`no row for key ${JSON.stringify(key)} in ${table}`);
        cases.push({ shape, key, token: String(token) });
      }),
    );
  }
  return cases;
}

/** One table per key shape; creating them up front (concurrently) saves most of a test's time. */
export async function createTokenTable(
  client: cassandra.Client,
  keyspace: string,
  shape: readonly KeyType[],
): Promise<void> {
  const columns = shape.map((_, i) => `p${i}`);
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${keyspace}.${tableFor(shape)} (${shape.map((t, i) => `p${i} ${t}`).join(', ')}, PRIMARY KEY ((${columns.join(', ')})))`,
  );
}

export function driverClient(contactPoints: string[]): cassandra.Client {
  return new cassandra.Client({
    contactPoints,
    localDataCenter: 'datacenter1',
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
  });
}
