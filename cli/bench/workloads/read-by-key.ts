/**
 * read: reads rows an insert run wrote. Operation k reads a key drawn uniformly from
 * 0 … keys − 1, where `keys` is the insert run's count; a key not found is a miss.
 */
import { randomFor } from '../random.ts';
import { keyValueSchema, keyValueTable, prepareKeyValue } from './key-value.ts';
import { createKeyspace } from './schema.ts';
import type { Workload } from './types.ts';

/** Keeps the key a read picks independent of the value bytes written under the same seq. */
const READ_STREAM = 0x5eed_0001;

export function readKey(seed: number, keys: number, seq: number): number {
  return randomFor(seed ^ READ_STREAM, seq).below(keys);
}

export const readByKey: Workload = {
  name: 'read',
  summary: 'reads key-value rows by key, uniformly over the --keys an insert run wrote',
  table: keyValueTable,
  schema: (options) => [createKeyspace(options), keyValueSchema(options)],
  async open(client, options) {
    const statements = await prepareKeyValue(client, options);
    return {
      kinds: ['read'],
      kindOf: () => 0,
      execute: (seq) => statements.read(readKey(options.seed, options.keys, seq)),
    };
  },
};
