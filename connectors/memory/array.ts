/**
 * `fromArray(items)`: a source of the items of an array the job module builds. Every worker
 * builds the same array, so instance i of n takes its own contiguous chunk,
 * items [⌊i·N/n⌋, ⌊(i+1)·N/n⌋): read one instance after another, the chunks are the array in
 * order, and with a forward edge each instance's order is kept downstream.
 */

import { ConfigError } from '../../runtime/errors.ts';
import type { InstanceContext, Source, SourceReader } from '../../runtime/graph/connector.ts';

export interface FromArrayOptions {
  /** Records per batch; default 1024. */
  batchSize?: number;
}

export function fromArray<T>(items: readonly T[], options: FromArrayOptions = {}): Source<T> {
  if (!Array.isArray(items)) {
    throw new ConfigError('fromArray: items must be an array', { details: { option: 'items' } });
  }
  const batchSize = options.batchSize ?? 1024;
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
    throw new ConfigError("fromArray: option 'batchSize' must be a positive integer", {
      details: { option: 'batchSize' },
    });
  }
  return {
    name: `fromArray(${items.length} items)`,
    open(ctx: InstanceContext): SourceReader<T> {
      const n = items.length;
      let next = Math.floor((ctx.instance * n) / ctx.parallelism);
      const end = Math.floor(((ctx.instance + 1) * n) / ctx.parallelism);
      return {
        async next() {
          if (next >= end) return null;
          const batch = items.slice(next, Math.min(end, next + batchSize));
          next += batch.length;
          return batch;
        },
        async close() {
          next = end;
        },
      };
    },
  };
}
