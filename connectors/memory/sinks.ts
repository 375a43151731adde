/**
 * In-memory sinks. `collect()` keeps every record; its writer's `result()` returns them, one
 * array per instance, for the runtime to hand back (records must then be structured-clonable
 * plain data, as they are on channels). `discard()` keeps only a count: the sink of benchmarks
 * that measure everything upstream of it.
 */

import type { InstanceContext, Sink, SinkWriter } from '../../runtime/graph/connector.ts';

export function collect<T>(): Sink<T> {
  return {
    name: 'collect()',
    createWriter(_ctx: InstanceContext): SinkWriter<T> {
      const records: T[] = [];
      return {
        write(record) {
          records.push(record);
          return undefined;
        },
        flush: async () => undefined,
        close: async () => undefined,
        result: () => records,
        stats: () => ({ records: records.length }),
      };
    },
  };
}

export function discard<T>(): Sink<T> {
  return {
    name: 'discard()',
    createWriter(_ctx: InstanceContext): SinkWriter<T> {
      let records = 0;
      return {
        write() {
          records++;
          return undefined;
        },
        flush: async () => undefined,
        close: async () => undefined,
        result: () => ({ records }),
        stats: () => ({ records }),
      };
    },
  };
}
