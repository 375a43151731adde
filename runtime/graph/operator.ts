/**
 * The contract between an actor and the operators chained inside it: the engine runs any
 * operator that implements it, and knows operators through nothing else.
 *
 * Operators are synchronous: an actor calls `process` for a batch of records in a row and
 * only then yields, so user functions must not return promises. Asynchronous work belongs
 * in connectors, whose writers take part in backpressure.
 */

/** Where an operator sends what it produces. */
export interface Collector {
  emit(record: unknown): void;
  /** Send to a side output; a tag nobody consumes drops the record. */
  emitTo(tag: string, record: unknown): void;
}

/** Processing-time timers of one actor, shared by the operators chained in it. */
export interface TimerService {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  register(operator: number, timestamp: number, key: unknown): void;
  remove(operator: number, timestamp: number, key: unknown): void;
}

export interface OperatorContext {
  operatorId: string;
  /** Index of the operator's node in the graph, used to address its timers. */
  nodeIndex: number;
  instance: number;
  parallelism: number;
  timers: TimerService;
}

export interface OperatorInstance {
  process(record: unknown, out: Collector): void;
  /** A timer registered by this operator is due (or the input ended with it pending). */
  onTimer?(timestamp: number, key: unknown, out: Collector): void;
  /** End of input: emit what is held back (aggregates). */
  finish?(out: Collector): void;
}

export type OperatorFactory = (ctx: OperatorContext) => OperatorInstance;
