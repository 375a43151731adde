/**
 * The key-value table and its operations, shared by the insert, read and mixed workloads.
 *
 * Row `k` has key k (a bigint, so the ring is covered evenly by Murmur3) and a value of
 * `valueSize` bytes (or ASCII characters) generated from (seed, k): a read can tell whether
 * the row it found is the one an insert with the same seed wrote.
 */
import type { Client } from 'cassandra-driver';
import { bytesFor, textFor } from '../random.ts';
import { keyOf, prepareOnly, statementOptions } from './schema.ts';
import type { WorkloadOptions } from './types.ts';

export function keyValueTable(options: WorkloadOptions): string {
  return options.table ?? (options.valueType === 'blob' ? 'kv' : 'kv_text');
}

export function keyValueSchema(options: WorkloadOptions): string {
  const table = `${options.keyspace}.${keyValueTable(options)}`;
  return `CREATE TABLE IF NOT EXISTS ${table} (key bigint PRIMARY KEY, value ${options.valueType})`;
}

export function valueFor(options: WorkloadOptions, key: number): Buffer | string {
  return options.valueType === 'blob'
    ? bytesFor(options.seed, key, options.valueSize)
    : textFor(options.seed, key, options.valueSize);
}

export interface KeyValueStatements {
  /** Writes row `key`; an insert of fixed values is idempotent, so the driver may retry it. */
  write(key: number): Promise<boolean>;
  /** Reads row `key`; resolves false when it does not exist. */
  read(key: number): Promise<boolean>;
}

export async function prepareKeyValue(
  client: Client,
  options: WorkloadOptions,
): Promise<KeyValueStatements> {
  const table = `${options.keyspace}.${keyValueTable(options)}`;
  const insert = `INSERT INTO ${table} (key, value) VALUES (?, ?)`;
  const select = `SELECT value FROM ${table} WHERE key = ?`;
  const writeOptions = statementOptions(options, true);
  const readOptions = statementOptions(options, true);
  await Promise.all([
    prepareOnly(client, insert, writeOptions),
    prepareOnly(client, select, readOptions),
  ]);
  return {
    async write(key) {
      await client.execute(insert, [keyOf(key), valueFor(options, key)], writeOptions);
      return true;
    },
    async read(key) {
      const result = await client.execute(select, [keyOf(key)], readOptions);
      return result.rowLength > 0;
    },
  };
}
