/**
 * A secret (a password, TLS key material) that never prints.
 *
 * Configs end up in plans, stats, error details and logs, so the value lives in a private
 * field: `String()`, template literals, `JSON.stringify`, `util.inspect` (hence
 * `console.log`) and `structuredClone` all see only the redaction mark. The one way to read
 * it is `reveal()`, called where the driver's credentials are built.
 */

import { inspect } from 'node:util';

export const REDACTED = '***';

export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
