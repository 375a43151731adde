/**
 * mixed: reads and writes on the key-value table in a ratio such as 3:1. Both pick a key
 * uniformly from 0 … keys − 1; a write rewrites that key with the value an insert run
 * would have written, so reads keep finding the same data.
 */
import { randomFor } from '../random.ts';
import { keyValueSchema, keyValueTable, prepareKeyValue } from './key-value.ts';
import { readKey } from './read-by-key.ts';
import { createKeyspace } from './schema.ts';
import type { Workload } from './types.ts';

const KIND_STREAM = 0x5eed_0002;
export const READ = 0;
export const WRITE = 1;

/**
 * The kind of operation `seq`: hashed rather than cycled, so that with W workers taking
 * every W-th operation each worker still sees the ratio (a cycle of 4 over 4 workers would
 * give one worker all the writes).
 */
export function mixedKind(seed: number, ratio: { reads: number; writes: number }, seq: number) {
  return randomFor(seed ^ KIND_STREAM, seq).below(ratio.reads + ratio.writes) < ratio.reads
    ? READ
    : WRITE;
}

export const mixed: Workload = {
  name: 'mixed',
  summary: 'reads and writes key-value rows in the --ratio reads:writes, over --keys keys',
  table: keyValueTable,
  schema: (options) => [createKeyspace(options), keyValueSchema(options)],
  async open(client, options) {
    const statements = await prepareKeyValue(client, options);
    const { seed, keys, ratio } = options;
    return {
      kinds: ['read', 'write'],
      kindOf: (seq) => mixedKind(seed, ratio, seq),
      execute(seq) {
        const key = readKey(seed, keys, seq);
        return mixedKind(seed, ratio, seq) === READ ? statements.read(key) : statements.write(key);
      },
    };
  },
};
