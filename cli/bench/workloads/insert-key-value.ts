/** insert: operation k writes row k of the key-value table. */
import { keyValueSchema, keyValueTable, prepareKeyValue } from './key-value.ts';
import { createKeyspace } from './schema.ts';
import type { Workload } from './types.ts';

export const insertKeyValue: Workload = {
  name: 'insert',
  summary: 'writes key-value rows: operation k writes key k, a value of --value-size bytes',
  table: keyValueTable,
  schema: (options) => [createKeyspace(options), keyValueSchema(options)],
  async open(client, options) {
    const statements = await prepareKeyValue(client, options);
    return {
      kinds: ['write'],
      kindOf: () => 0,
      execute: (seq) => statements.write(seq),
    };
  },
};
