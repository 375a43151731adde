/**
 * Keyed aggregations. The state of every key lives in the actor that owns the key (hash
 * partitioning sends all of a key's records to one instance), in a plain Map.
 *
 * `reduce` is rolling, as in Flink: every input emits the key's updated value.
 * `aggregate` emits one result per key when the input ends, as Beam's Combine.perKey does
 * on bounded input.
 */

import { normalizeKey } from '../runtime/graph/keys.ts';
import type { OperatorFactory } from '../runtime/graph/operator.ts';

export interface Aggregator<T, A, R, K = unknown> {
  create(key: K): A;
  add(accumulator: A, record: T): A;
  result(accumulator: A, key: K): R;
}

export function reduceOperator<T>(
  key: (record: T) => unknown,
  fn: (accumulator: T, record: T) => T,
): OperatorFactory {
  return () => {
    const state = new Map<unknown, T>();
    return {
      process(record, out) {
        const id = normalizeKey(key(record as T));
        const previous = state.get(id);
        const next =
          previous === undefined && !state.has(id) ? (record as T) : fn(previous as T, record as T);
        state.set(id, next);
        out.emit(next);
      },
    };
  };
}

export function aggregateOperator<T, A, R, K>(
  key: (record: T) => K,
  aggregator: Aggregator<T, A, R, K>,
): OperatorFactory {
  return () => {
    const state = new Map<unknown, { key: K; accumulator: A }>();
    return {
      process(record, _out) {
        const k = key(record as T);
        const id = normalizeKey(k);
        let entry = state.get(id);
        if (entry === undefined) {
          entry = { key: k, accumulator: aggregator.create(k) };
          state.set(id, entry);
        }
        entry.accumulator = aggregator.add(entry.accumulator, record as T);
      },
      finish(out) {
        for (const entry of state.values())
          out.emit(aggregator.result(entry.accumulator, entry.key));
        state.clear();
      },
    };
  };
}
