/**
 * `process`: the general operator, as Flink's (Keyed)ProcessFunction. The user function gets
 * a context with `emit`, side outputs, the current key, keyed value state and
 * processing-time timers.
 *
 * Timers are processing time (`Date.now()`), kept per (key, timestamp) once, as Flink keeps
 * them. When the input ends, pending timers fire at once in timestamp order, so a bounded
 * job's output does not depend on how fast it ran.
 */

import { normalizeKey } from '../runtime/graph/keys.ts';
import type { Collector, OperatorFactory } from '../runtime/graph/operator.ts';
import type { OutputTag } from './types.ts';

export interface ValueState<V> {
  value(): V | undefined;
  update(value: V): void;
  clear(): void;
}

export interface ProcessTimers {
  /** Processing time now, in ms since the epoch. */
  now(): number;
  /** Call `onTimer` at `timestamp` for the current key. Registering twice is one timer. */
  registerProcessingTime(timestamp: number): void;
  deleteProcessingTime(timestamp: number): void;
}

export interface ProcessContext<U, K> {
  /** The key of the record (or timer) being processed; undefined on a stream without keyBy. */
  readonly key: K;
  emit(record: U): void;
  output<S>(tag: OutputTag<S>, record: S): void;
  /** The value state `name` of the current key. Only on a keyed stream. */
  state<V>(name: string): ValueState<V>;
  readonly timers: ProcessTimers;
}

export interface ProcessFunction<T, U, K = undefined> {
  processElement(record: T, ctx: ProcessContext<U, K>): void;
  onTimer?(timestamp: number, ctx: ProcessContext<U, K>): void;
  /** End of this instance's input, after every pending timer has fired. */
  onEnd?(ctx: Omit<ProcessContext<U, K>, 'state' | 'key'>): void;
}

export type ProcessArgument<T, U, K> =
  | ProcessFunction<T, U, K>
  | ((record: T, ctx: ProcessContext<U, K>) => void);

export function toProcessFunction<T, U, K>(fn: ProcessArgument<T, U, K>): ProcessFunction<T, U, K> {
  return typeof fn === 'function' ? { processElement: fn } : fn;
}

/** All value states of one key: state name → value. */
type KeyState = Map<string, unknown>;

export function processOperator<T, U, K>(
  fn: ProcessFunction<T, U, K>,
  keySelector: ((record: T) => K) | undefined,
): OperatorFactory {
  return (init) => {
    const states = new Map<unknown, KeyState>();
    let out: Collector | undefined;
    let currentKey: K = undefined as K;
    let currentId: unknown;

    const stateOf = (name: string): ValueState<unknown> => {
      if (keySelector === undefined) {
        throw new TypeError(`state('${name}') needs a keyed stream: call keyBy() before process()`);
      }
      const id = currentId;
      return {
        value: () => states.get(id)?.get(name),
        update(value) {
          let entry = states.get(id);
          if (entry === undefined) states.set(id, (entry = new Map()));
          entry.set(name, value);
        },
        clear() {
          const entry = states.get(id);
          entry?.delete(name);
          if (entry?.size === 0) states.delete(id);
        },
      };
    };

    const ctx: ProcessContext<U, K> = {
      get key() {
        return currentKey;
      },
      emit: (record) => out!.emit(record),
      output: (tag, record) => out!.emitTo(tag.id, record),
      state: stateOf as ProcessContext<U, K>['state'],
      timers: {
        now: () => init.timers.now(),
        registerProcessingTime: (timestamp) =>
          init.timers.register(init.nodeIndex, timestamp, currentKey),
        deleteProcessingTime: (timestamp) =>
          init.timers.remove(init.nodeIndex, timestamp, currentKey),
      },
    };

    return {
      process(record, collector) {
        out = collector;
        if (keySelector !== undefined) {
          currentKey = keySelector(record as T);
          currentId = normalizeKey(currentKey);
        }
        fn.processElement(record as T, ctx);
      },
      onTimer(timestamp, key, collector) {
        out = collector;
        currentKey = key as K;
        currentId = normalizeKey(key);
        fn.onTimer?.(timestamp, ctx);
      },
      finish(collector) {
        out = collector;
        currentKey = undefined as K;
        currentId = undefined;
        fn.onEnd?.(ctx);
      },
    };
  };
}
