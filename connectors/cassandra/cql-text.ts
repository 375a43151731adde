/**
 * The small part of CQL that a load's statement is written in: tokens, literals, and the
 * functions a column may be filled with (`now() = created`, `VALUES (:id, toTimestamp(now()))`).
 *
 * Sluice builds every statement it sends from what these parsers understood, so a value the
 * parser cannot place is an error at start-up, not a statement every row then fails on. A
 * function is known here with the types it takes and returns, so that `uuid() = created_at`
 * (a uuid into a timestamp) is refused before anything is written.
 */

import type { CqlType } from './convert.ts';

export type CqlToken =
  /** An identifier or keyword; `text` as written, without the quotes of a quoted name. */
  | { kind: 'name'; text: string; isQuoted: boolean; at: number }
  /** `?`, or `:name` (name undefined for `?`). */
  | { kind: 'marker'; name: string | undefined; at: number }
  | { kind: 'number'; text: string; at: number }
  /** A string literal, as written: quotes included. */
  | { kind: 'string'; text: string; at: number }
  | { kind: 'symbol'; text: string; at: number };

const SYMBOLS = new Set(['(', ')', ',', '.', '=', '+', '-', '[', ']', ';', '*']);
const NAME_START = /[A-Za-z]/;
const NAME_PART = /[A-Za-z0-9_]/;

/** Makes the caller's error, which names its option. */
export type CqlError = (message: string) => Error;

/** The text of a symbol or name token at `at`, or undefined. */
export function textAt(tokens: readonly CqlToken[], at: number): string | undefined {
  const token = tokens[at];
  return token === undefined || token.kind === 'marker' ? undefined : token.text;
}

/** Splits CQL text into tokens; comments are not part of a load's statement. */
export function tokenize(text: string, fail: CqlError): CqlToken[] {
  const tokens: CqlToken[] = [];
  let i = 0;
  const quoted = (quote: string): string => {
    // A doubled quote stands for itself, as in CQL.
    let out = '';
    let j = i + 1;
    for (;;) {
      if (j >= text.length) throw fail(`an unterminated ${quote} at character ${i + 1}`);
      if (text[j] === quote) {
        if (text[j + 1] === quote) {
          out += quote;
          j += 2;
          continue;
        }
        break;
      }
      out += text[j++];
    }
    i = j + 1;
    return out;
  };
  const name = (): string => {
    const start = i;
    while (i < text.length && NAME_PART.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    const ch = text[i]!;
    const at = i;
    if (/\s/.test(ch)) i++;
    else if (NAME_START.test(ch)) tokens.push({ kind: 'name', text: name(), isQuoted: false, at });
    else if (ch === '"') tokens.push({ kind: 'name', text: quoted('"'), isQuoted: true, at });
    else if (ch === "'") {
      const body = quoted("'");
      tokens.push({ kind: 'string', text: `'${body.replaceAll("'", "''")}'`, at });
    } else if (/\d/.test(ch)) {
      const match = /^\d+(?:\.\d*)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))!;
      i += match[0].length;
      tokens.push({ kind: 'number', text: match[0], at });
    } else if (ch === '?') {
      i++;
      tokens.push({ kind: 'marker', name: undefined, at });
    } else if (ch === ':') {
      i++;
      if (text[i] === '"') tokens.push({ kind: 'marker', name: quoted('"'), at });
      else if (i < text.length && NAME_START.test(text[i]!))
        tokens.push({ kind: 'marker', name: name(), at });
      else throw fail(`a bind marker name after ':' at character ${at + 1}`);
    } else if (SYMBOLS.has(ch)) {
      i++;
      tokens.push({ kind: 'symbol', text: ch, at });
    } else throw fail(`unexpected ${JSON.stringify(ch)} at character ${at + 1}`);
  }
  return tokens;
}

/** A CQL identifier as Cassandra reads it: unquoted names are case-insensitive (lower case). */
export function identifierOf(token: CqlToken & { kind: 'name' }): string {
  return token.isQuoted ? token.text : token.text.toLowerCase();
}

/**
 * The native functions a load may fill a column with: those that need no column of the row.
 * Keyed by the lower-case name without underscores, so `toTimestamp` and Cassandra 5's
 * `to_timestamp` are one entry. `args` lists, for each argument, the types it accepts.
 */
const FUNCTIONS: Record<string, { args: readonly (readonly CqlType[])[]; returns: CqlType }> = {
  now: { args: [], returns: 'timeuuid' },
  currenttimeuuid: { args: [], returns: 'timeuuid' },
  uuid: { args: [], returns: 'uuid' },
  currenttimestamp: { args: [], returns: 'timestamp' },
  currentdate: { args: [], returns: 'date' },
  currenttime: { args: [], returns: 'time' },
  totimestamp: { args: [['timeuuid', 'date']], returns: 'timestamp' },
  todate: { args: [['timeuuid', 'timestamp']], returns: 'date' },
  tounixtimestamp: { args: [['timeuuid', 'timestamp', 'date']], returns: 'bigint' },
};

/** Column types a function's result may be written to: a timeuuid is also a uuid. */
const ASSIGNABLE: Partial<Record<CqlType, readonly CqlType[]>> = {
  timeuuid: ['timeuuid', 'uuid'],
};

export const KNOWN_FUNCTIONS =
  'now(), uuid(), currentTimestamp(), currentDate(), currentTime(), currentTimeUUID(), ' +
  'toTimestamp(…), toDate(…), toUnixTimestamp(…)';

export interface FunctionCall {
  /** As Sluice sends it: the names as written, arguments normalised. */
  text: string;
  returns: CqlType;
}

/** Whether `text` is written as a function call (`name(…)`), as a mapping source may be. */
export function looksLikeCall(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*\s*\(.*\)$/s.test(text.trim());
}

/**
 * Reads one function call at `tokens[at]`; returns it and the index after it. Its arguments
 * are function calls too (`toTimestamp(now())`), whose types are checked.
 */
export function readCall(
  tokens: readonly CqlToken[],
  at: number,
  fail: CqlError,
): { call: FunctionCall; next: number } {
  const head = tokens[at];
  if (head?.kind !== 'name' || textAt(tokens, at + 1) !== '(') {
    throw fail(`a function call such as now() at ${describeAt(tokens, at)}`);
  }
  const key = head.text.toLowerCase().replaceAll('_', '');
  const known = FUNCTIONS[key];
  if (head.isQuoted || known === undefined) {
    throw fail(`a function Sluice knows (${KNOWN_FUNCTIONS}), not ${head.text}()`);
  }
  const args: FunctionCall[] = [];
  let next = at + 2;
  if (known.args.length === 0 && textAt(tokens, next) !== ')') {
    throw fail(`${head.text}() with no arguments`);
  }
  if (textAt(tokens, next) !== ')') {
    for (;;) {
      const arg = readCall(tokens, next, fail);
      args.push(arg.call);
      next = arg.next;
      if (textAt(tokens, next) === ',') next++;
      else break;
    }
  }
  if (textAt(tokens, next) !== ')') throw fail(`')' at ${describeAt(tokens, next)}`);
  if (args.length !== known.args.length) {
    throw fail(`${head.text}() with ${known.args.length} argument(s), not ${args.length}`);
  }
  args.forEach((arg, i) => {
    if (!known.args[i]!.includes(arg.returns)) {
      throw fail(
        `${head.text}() to take ${known.args[i]!.join(' or ')}, not ${arg.text} (a ${arg.returns})`,
      );
    }
  });
  return {
    call: { text: `${head.text}(${args.map((a) => a.text).join(', ')})`, returns: known.returns },
    next: next + 1,
  };
}

/** A whole text that is one function call: a mapping's `now() = column`. */
export function parseCall(text: string, fail: CqlError): FunctionCall {
  const tokens = tokenize(text, fail);
  const { call, next } = readCall(tokens, 0, fail);
  if (next !== tokens.length) throw fail(`nothing after ${call.text}`);
  return call;
}

/** Whether a function returning `returns` may be written to a column of `column` type. */
export function isAssignable(returns: CqlType, column: CqlType): boolean {
  return (ASSIGNABLE[returns] ?? [returns]).includes(column);
}

const NUMERIC: readonly CqlType[] = [
  'int',
  'bigint',
  'smallint',
  'tinyint',
  'varint',
  'counter',
  'float',
  'double',
  'decimal',
];

/**
 * Whether a literal token fits a column (a number into a numeric column, a string into text,
 * true/false into a boolean), so that a statement Cassandra would refuse is refused first.
 */
export function literalFits(token: CqlToken, type: CqlType): boolean {
  if (token.kind === 'number') {
    const isInteger = /^\d+$/.test(token.text);
    return NUMERIC.includes(type) && (isInteger || ['float', 'double', 'decimal'].includes(type));
  }
  if (token.kind === 'string') return type === 'text' || type === 'ascii';
  if (token.kind === 'name' && !token.isQuoted && /^(true|false)$/i.test(token.text)) {
    return type === 'boolean';
  }
  return false;
}

/** "character 12 (near 'VALUES')", or "the end", for errors. */
export function describeAt(tokens: readonly CqlToken[], at: number): string {
  const token = tokens[at];
  if (token === undefined) return 'the end';
  const shown = token.kind === 'marker' ? (token.name ? `:${token.name}` : '?') : token.text;
  return `character ${token.at + 1} (near ${JSON.stringify(shown)})`;
}
