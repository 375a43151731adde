/**
 * DSBulk's `schema.query` for loads: a custom INSERT or UPDATE, read into its parts.
 *
 *   INSERT INTO [ks.]t (c1, c2, …) VALUES (v1, v2, …) [USING TTL x [AND TIMESTAMP y]]
 *   UPDATE [ks.]t [USING …] SET c = v, n = n + v, … WHERE k = v AND …
 *
 * A value is a bind marker (`:name`, or `?` named after its column), a function Sluice
 * knows (`now()`), or a literal (`hits = hits + 1`). Only what the sink can route and batch
 * is accepted: conditions (IF), IN, element assignments (`m[k] = v`), INSERT JSON and
 * DELETE are refused with a message saying so. statement.ts then holds the parts against
 * the table and writes the statement Sluice sends.
 */

import {
  type CqlError,
  type CqlToken,
  describeAt,
  type FunctionCall,
  identifierOf,
  readCall,
  textAt,
  tokenize,
} from './cql-text.ts';

export type QueryValue =
  | { kind: 'marker'; name: string | undefined; at: number }
  | { kind: 'function'; call: FunctionCall }
  /** A literal as written (`1`, `-2.5`, `'x'`, `true`), with its token for type checks. */
  | { kind: 'literal'; text: string; token: CqlToken };

/**
 * `set`: c = v. `add` / `subtract`: c = c + v, c = c - v (counters, collections).
 * `prepend`: c = v + c (lists). `key`: a WHERE relation k = v.
 */
export type AssignmentKind = 'set' | 'add' | 'subtract' | 'prepend' | 'key';

export interface QueryAssignment {
  column: string;
  kind: AssignmentKind;
  value: QueryValue;
}

export interface ParsedQuery {
  kind: 'insert' | 'update';
  keyspace: string | undefined;
  table: string;
  /** INSERT: the column/value pairs. UPDATE: the SET assignments, then the WHERE relations. */
  assignments: QueryAssignment[];
  ttl: QueryValue | undefined;
  timestamp: QueryValue | undefined;
}

class Reader {
  readonly tokens: CqlToken[];
  at = 0;
  readonly #fail: CqlError;

  constructor(text: string, fail: CqlError) {
    this.#fail = fail;
    this.tokens = tokenize(text, fail);
  }

  fail(expected: string): never {
    throw this.#fail(`${expected} at ${describeAt(this.tokens, this.at)}`);
  }

  peek(): CqlToken | undefined {
    return this.tokens[this.at];
  }

  isKeyword(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'name' && !t.isQuoted && t.text.toUpperCase() === word;
  }

  keyword(word: string): void {
    if (!this.isKeyword(word)) this.fail(word);
    this.at++;
  }

  isSymbol(symbol: string): boolean {
    const t = this.peek();
    return t?.kind === 'symbol' && t.text === symbol;
  }

  symbol(symbol: string): void {
    if (!this.isSymbol(symbol)) this.fail(`'${symbol}'`);
    this.at++;
  }

  identifier(what: string): string {
    const t = this.peek();
    if (t?.kind !== 'name') this.fail(what);
    this.at++;
    return identifierOf(t);
  }

  value(): QueryValue {
    const t = this.peek();
    if (t === undefined) this.fail('a value');
    if (t.kind === 'marker') {
      this.at++;
      return { kind: 'marker', name: t.name, at: t.at };
    }
    if (t.kind === 'name' && textAt(this.tokens, this.at + 1) === '(') {
      const { call, next } = readCall(this.tokens, this.at, this.#fail);
      this.at = next;
      return { kind: 'function', call };
    }
    const number = this.tokens[this.at + 1];
    if (t.kind === 'symbol' && t.text === '-' && number?.kind === 'number') {
      this.at += 2;
      return { kind: 'literal', text: `-${number.text}`, token: number };
    }
    if (
      t.kind === 'number' ||
      t.kind === 'string' ||
      (t.kind === 'name' && !t.isQuoted && /^(true|false)$/i.test(t.text))
    ) {
      this.at++;
      return { kind: 'literal', text: t.text, token: t };
    }
    this.fail('a bind marker (:name or ?), a function such as now(), or a literal');
  }
}

/** Reads `text` as a load's INSERT or UPDATE; `fail` makes the error naming the option. */
export function parseWriteQuery(text: string, fail: CqlError): ParsedQuery {
  const r = new Reader(text, fail);
  for (const word of ['DELETE', 'BEGIN', 'SELECT']) {
    if (r.isKeyword(word)) throw fail(`an INSERT or an UPDATE: ${word} is not a load's statement`);
  }
  const parsed = r.isKeyword('INSERT')
    ? parseInsert(r)
    : r.isKeyword('UPDATE')
      ? parseUpdate(r)
      : r.fail('INSERT or UPDATE');
  if (r.isKeyword('IF')) {
    throw fail(
      'without IF: conditional writes (lightweight transactions) cannot share a batch across partitions',
    );
  }
  if (r.isSymbol(';')) r.at++;
  if (r.peek() !== undefined) r.fail('the end of the statement');
  return parsed;
}

function tableName(r: Reader): { keyspace: string | undefined; table: string } {
  const first = r.identifier('a table name');
  if (!r.isSymbol('.')) return { keyspace: undefined, table: first };
  r.at++;
  return { keyspace: first, table: r.identifier('a table name after the keyspace') };
}

function parseInsert(r: Reader): ParsedQuery {
  r.keyword('INSERT');
  r.keyword('INTO');
  const { keyspace, table } = tableName(r);
  if (r.isKeyword('JSON'))
    r.fail('a column list: INSERT JSON is not supported, load JSON Lines with -c json');
  r.symbol('(');
  const columns: string[] = [];
  do columns.push(r.identifier('a column name'));
  while (r.isSymbol(',') && ++r.at);
  r.symbol(')');
  r.keyword('VALUES');
  r.symbol('(');
  const values: QueryValue[] = [];
  do values.push(r.value());
  while (r.isSymbol(',') && ++r.at);
  r.symbol(')');
  if (values.length !== columns.length) {
    r.fail(`as many values as columns (${columns.length} columns, ${values.length} values)`);
  }
  const using = r.isKeyword('USING') ? parseUsing(r) : {};
  return {
    kind: 'insert',
    keyspace,
    table,
    assignments: columns.map((column, i) => ({ column, kind: 'set', value: values[i]! })),
    ttl: using.ttl,
    timestamp: using.timestamp,
  };
}

function parseUpdate(r: Reader): ParsedQuery {
  r.keyword('UPDATE');
  const { keyspace, table } = tableName(r);
  const using = r.isKeyword('USING') ? parseUsing(r) : {};
  r.keyword('SET');
  const assignments: QueryAssignment[] = [];
  do assignments.push(parseAssignment(r));
  while (r.isSymbol(',') && ++r.at);
  r.keyword('WHERE');
  do {
    const column = r.identifier('a primary key column');
    if (r.isKeyword('IN')) r.fail('= (IN is not supported: one row per record)');
    r.symbol('=');
    assignments.push({ column, kind: 'key', value: r.value() });
  } while (r.isKeyword('AND') && ++r.at);
  return {
    kind: 'update',
    keyspace,
    table,
    assignments,
    ttl: using.ttl,
    timestamp: using.timestamp,
  };
}

function parseAssignment(r: Reader): QueryAssignment {
  const column = r.identifier('a column name');
  if (r.isSymbol('[') || r.isSymbol('.')) {
    r.fail(`'=' after ${column} (element and field assignments are not supported)`);
  }
  r.symbol('=');
  const t = r.peek();
  const next = r.tokens[r.at + 1];
  // c = c + v, c = c - v
  if (
    t?.kind === 'name' &&
    identifierOf(t) === column &&
    next?.kind === 'symbol' &&
    (next.text === '+' || next.text === '-')
  ) {
    r.at += 2;
    return { column, kind: next.text === '+' ? 'add' : 'subtract', value: r.value() };
  }
  const value = r.value();
  // c = v + c: prepending to a list.
  if (r.isSymbol('+')) {
    r.at++;
    const again = r.identifier(`${column} after '+'`);
    if (again !== column) r.fail(`${column} (the column assigned) after '+'`);
    return { column, kind: 'prepend', value };
  }
  return { column, kind: 'set', value };
}

function parseUsing(r: Reader): { ttl?: QueryValue; timestamp?: QueryValue } {
  r.keyword('USING');
  const using: { ttl?: QueryValue; timestamp?: QueryValue } = {};
  do {
    const which = r.isKeyword('TTL') ? 'ttl' : r.isKeyword('TIMESTAMP') ? 'timestamp' : undefined;
    if (which === undefined) r.fail('TTL or TIMESTAMP');
    if (using[which] !== undefined) r.fail(`${which.toUpperCase()} once`);
    r.at++;
    const value = r.value();
    if (value.kind === 'function' || (value.kind === 'literal' && !/^\d+$/.test(value.text))) {
      r.fail(`a bind marker or a whole number of ${which === 'ttl' ? 'seconds' : 'microseconds'}`);
    }
    using[which] = value;
  } while (r.isKeyword('AND') && ++r.at);
  return using;
}
