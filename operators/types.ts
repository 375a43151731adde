/**
 * What users of the operators name in their code: side-output tags and rejected records. The
 * contract operators implement is the engine's (runtime/graph/operator.ts).
 */

/** A typed name for a side output, such as the records a map rejected. */
export class OutputTag<T> {
  declare readonly __type: T;
  constructor(readonly id: string) {
    if (id.length === 0) throw new TypeError('an output tag needs a non-empty id');
  }
}

/** What a map, filter or flatMap sends to its `rejects` side output instead of failing. */
export interface Rejected<T> {
  record: T;
  error: string;
}
