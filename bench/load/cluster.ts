/**
 * The benchmark's table on the cluster: created with the replication asked for, emptied before
 * each load, and its rows counted after it (a load that lost rows is not a result), then
 * dropped at the end.
 */

import { createHash } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { createTableCql, TABLE_NAME } from './data.ts';

/** Its own keyspace: other benchmarks on the same cluster create and drop theirs. */
export const KEYSPACE = 'sluice_bench_load';
/** TRUNCATE and DROP wait for every node; a loaded machine needs more than the default 12 s. */
const SLOW_MS = 120_000;
const COUNT_SLICES = 32;
/** Rows counted by one query at most, roughly: a busy node answers that well within its timeout. */
const ROWS_PER_SLICE = 50_000;
const COUNT_CONCURRENCY = 4;
const COUNT_ATTEMPTS = 3;

/** One row's values, in the order of `COLUMNS`, as one line of text (null as `<null>`). */
export function canonicalRow(values: readonly unknown[]): string {
  return values.map((v) => (v === null ? '<null>' : String(v))).join('\u0001');
}

/** A short digest of rows in any order, and so of a set of rows. */
export function digestOf(lines: readonly string[]): string {
  return createHash('sha256')
    .update([...lines].sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
}

export class BenchTable {
  /** keyspace.table */
  readonly name: string;

  private constructor(
    private readonly client: cassandra.Client,
    readonly keyspace: string,
  ) {
    this.name = `${keyspace}.${TABLE_NAME}`;
  }

  static async open(
    contactPoints: string[],
    replicationFactor: number,
    keyspace = KEYSPACE,
  ): Promise<BenchTable> {
    const client = new cassandra.Client({
      contactPoints,
      localDataCenter: 'datacenter1',
      socketOptions: { readTimeout: SLOW_MS },
    });
    await client.connect();
    const replication = `{'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`;
    await client.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replication}`,
    );
    // A keyspace left by an interrupted run may have another factor.
    await client.execute(`ALTER KEYSPACE ${keyspace} WITH replication = ${replication}`);
    await client.execute(createTableCql(keyspace));
    return new BenchTable(client, keyspace);
  }

  async truncate(): Promise<void> {
    await this.client.execute(`TRUNCATE ${this.name}`);
  }

  /** The table's rows, counted token range by token range so no request scans it all. */
  /**
   * Rows in the table, counted over token slices of about `ROWS_PER_SLICE` rows of `expected`,
   * a few at a time, each retried a few times: one count(*) over millions of rows on a busy
   * 2-core cluster times out.
   */
  async countRows(expected: number): Promise<number> {
    const slices = Math.max(COUNT_SLICES, Math.ceil(expected / ROWS_PER_SLICE));
    const span = 2n ** 64n / BigInt(slices);
    const low = (i: number) => -(2n ** 63n) + span * BigInt(i);
    const countSlice = async (i: number): Promise<number> => {
      const isLast = i === slices - 1;
      // Half-open ranges [low, high), the last one closed at the maximum token.
      const query =
        `SELECT count(*) FROM ${this.name} WHERE token(user_id) >= ? AND token(user_id) ` +
        (isLast ? '<= ?' : '< ?');
      const high = isLast ? 2n ** 63n - 1n : low(i + 1);
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await this.client.execute(
            query,
            [
              cassandra.types.Long.fromString(String(low(i))),
              cassandra.types.Long.fromString(String(high)),
            ],
            { prepare: true },
          );
          return (result.first().get('count') as cassandra.types.Long).toNumber();
        } catch (error) {
          if (attempt >= COUNT_ATTEMPTS) throw error;
        }
      }
    };
    let total = 0;
    let next = 0;
    const worker = async () => {
      while (next < slices) {
        // Read `total` only after the await: `total += await …` would add to a stale total.
        const counted = await countSlice(next++);
        total += counted;
      }
    };
    await Promise.all(Array.from({ length: COUNT_CONCURRENCY }, worker));
    return total;
  }

  /**
   * A digest of the rows of the partitions `userIds`, every column in a canonical text form,
   * plus their row count: equal digests mean two loads wrote the same values, not only as many rows.
   */
  async sampleDigest(userIds: readonly number[]): Promise<{ digest: string; rows: number }> {
    const result = await this.client.execute(
      `SELECT * FROM ${this.name} WHERE user_id IN ?`,
      [userIds.map((id) => cassandra.types.Long.fromNumber(id))],
      { prepare: true, fetchSize: 100_000 },
    );
    const lines = result.rows.map((r) =>
      canonicalRow([
        r.user_id.toString(),
        r.event_id.toString(),
        (r.created_at as Date).toISOString(),
        r.name,
        r.country,
        r.amount,
        r.quantity,
        r.is_active,
      ]),
    );
    const digest = digestOf(lines);
    return { digest, rows: lines.length };
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }

  async dropAndClose(): Promise<void> {
    try {
      await this.client.execute(`DROP KEYSPACE IF EXISTS ${this.keyspace}`);
    } finally {
      await this.client.shutdown();
    }
  }
}
