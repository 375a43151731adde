/**
 * Stateless record-at-a-time operators: map, filter, flatMap.
 *
 * With a `rejects` tag, a record whose function throws goes to that side output with its
 * error instead of failing the job: a bulk load keeps going past a malformed line.
 */

import type { Collector, OperatorFactory } from '../runtime/graph/operator.ts';
import type { Rejected } from './types.ts';

function reject(out: Collector, tag: string, record: unknown, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  out.emitTo(tag, { record, error: message } satisfies Rejected<unknown>);
}

export function mapOperator<T, U>(fn: (record: T) => U, rejects?: string): OperatorFactory {
  if (rejects === undefined) {
    return () => ({
      process: (record, out) => out.emit(fn(record as T)),
    });
  }
  return () => ({
    process(record, out) {
      let value: U;
      try {
        value = fn(record as T);
      } catch (error) {
        reject(out, rejects, record, error);
        return;
      }
      out.emit(value);
    },
  });
}

export function filterOperator<T>(fn: (record: T) => boolean, rejects?: string): OperatorFactory {
  if (rejects === undefined) {
    return () => ({
      process(record, out) {
        if (fn(record as T)) out.emit(record);
      },
    });
  }
  return () => ({
    process(record, out) {
      let keep: boolean;
      try {
        keep = fn(record as T);
      } catch (error) {
        reject(out, rejects, record, error);
        return;
      }
      if (keep) out.emit(record);
    },
  });
}

export function flatMapOperator<T, U>(
  fn: (record: T) => Iterable<U>,
  rejects?: string,
): OperatorFactory {
  return () => ({
    process(record, out) {
      let values: Iterable<U>;
      if (rejects === undefined) {
        values = fn(record as T);
      } else {
        try {
          // Materialised so that an error thrown halfway through a generator rejects the
          // record as a whole rather than emitting part of it.
          values = [...fn(record as T)];
        } catch (error) {
          reject(out, rejects, record, error);
          return;
        }
      }
      if (Array.isArray(values)) {
        for (let i = 0; i < values.length; i++) out.emit(values[i]);
      } else {
        for (const value of values) out.emit(value);
      }
    },
  });
}
