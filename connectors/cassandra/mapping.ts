/**
 * DSBulk's mapping syntax, the one parser of it (`sluice load -m`, and any command that takes
 * a mapping as text), and the check of an input's fields against the statement it feeds.
 *
 * Entries are comma-separated, `field = target` (or `field: target`):
 * - `user_id = id, fullName = name`: a field to a column (or, with a custom query, to a bind
 *   variable). A bare name maps the field of that name (with a header) or the next position
 *   (without one: `id, name` is `0=id, 1=name`). A field that is not a plain name is quoted
 *   as in CQL: `"Full Name" = name`.
 * - `* = *`: every other column from the field of its name; `* = -c2` and `* = [-c2, -c3]`
 *   do the same but leave those columns out.
 * - `now() = created`: the column is filled by a CQL function Cassandra evaluates.
 * - `t = __ttl`, `w = __timestamp`: the field is the row's TTL (seconds) or write time.
 *
 * The result is what the sink's options take (`mapping`, `isMappedByName`, `excludedColumns`);
 * statement.ts then holds it against the table.
 */

import { IDENTIFIER } from './config.ts';
import { looksLikeCall, parseCall } from './cql-text.ts';
import type { WriteStatement } from './statement.ts';

/** The mapping's pseudo-columns: a field that gives each row its TTL or its write time. */
export const TTL_TARGET = '__ttl';
export const TIMESTAMP_TARGET = '__timestamp';

/** Target (column, bind variable, `__ttl`, `__timestamp`) → record field or function call. */
export type Mapping = Record<string, string>;

/** Makes the caller's error for a mapping that is not `expected` (the caller names its option). */
export type MappingError = (expected: string) => Error;

export interface ParsedMapping {
  /** The explicit pairs; undefined when there are none. */
  mapping: Mapping | undefined;
  /** Every column not in `mapping` (nor excluded) takes the field of its name: `* = *`. */
  isMappedByName: boolean;
  excludedColumns: string[];
}

/** Splits at `separators` outside quotes, parentheses and brackets. */
function splitTopLevel(text: string, separators: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && separators.includes(ch)) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `"a ""b"""` → `a "b"`; anything else as it is. */
function unquote(text: string): string {
  return /^".*"$/s.test(text) ? text.slice(1, -1).replaceAll('""', '"') : text;
}

const TARGETS = new Set([TTL_TARGET, TIMESTAMP_TARGET]);

/** The mapping in `text`; `* = *` alone is the default mapping by name. */
export function parseMappingText(
  text: string,
  isPositional: boolean,
  bad: MappingError,
): ParsedMapping {
  const entries = splitTopLevel(text, ',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw bad("a list of field=column pairs, or '*=*'");
  const mapping: Mapping = {};
  const excludedColumns: string[] = [];
  let isMappedByName = false;
  entries.forEach((entry, position) => {
    const sides = splitTopLevel(entry, '=:');
    if (sides.length > 2) throw bad(`one '=' in "${entry}"`);
    const left = sides[0]!.trim();
    const right = (sides.length === 2 ? sides[1]! : sides[0]!).trim();
    if (left === '*' && sides.length === 2) {
      if (isPositional) throw bad("named fields for '* = *' (it needs a header)");
      isMappedByName = true;
      if (right === '*') return;
      const list = /^\[(.*)\]$/s.exec(right)?.[1] ?? right;
      for (const item of list.split(',').map((e) => e.trim())) {
        const column = unquote(item.replace(/^-\s*/, ''));
        if (!item.startsWith('-') || !IDENTIFIER.test(column)) {
          throw bad(`'* = *', '* = -column' or '* = [-c1, -c2]', not "${entry}"`);
        }
        excludedColumns.push(column);
      }
      return;
    }
    if (left === '*' || right === '*')
      throw bad(`'*' only as '* = *' or '* = [-c]', not "${entry}"`);
    let field: string;
    if (sides.length === 1) field = isPositional ? String(position) : unquote(left);
    else if (left === '') throw bad(`a field before '=' in "${entry}"`);
    else if (looksLikeCall(left)) field = parseCall(left, (m) => bad(`${m} in "${entry}"`)).text;
    else field = unquote(left);
    if (isPositional && !/^\d+$/.test(field) && !looksLikeCall(left)) {
      throw bad(`positions (0, 1, …) as fields without a header, not "${field}"`);
    }
    const target = unquote(right);
    if (looksLikeCall(right)) {
      throw bad(
        `a column after '=', not the function ${right} (a function goes on the left: now() = column)`,
      );
    }
    if (!IDENTIFIER.test(target) && !TARGETS.has(target)) {
      throw bad(`a column name, __ttl or __timestamp after '=', not "${right}"`);
    }
    if (target in mapping) throw bad(`free of duplicates: ${target} is mapped twice`);
    mapping[target] = field;
  });
  return {
    mapping: Object.keys(mapping).length === 0 ? undefined : mapping,
    isMappedByName: isMappedByName || Object.keys(mapping).length === 0,
    excludedColumns,
  };
}

/** Highest position a positional mapping reads, +1: how many fields each record must have. */
export function positionalWidth(mapping: Mapping): number {
  const positions = Object.values(mapping)
    .filter((source) => /^\d+$/.test(source))
    .map(Number);
  return positions.length === 0 ? 0 : Math.max(...positions) + 1;
}

export interface FieldCheckOptions {
  /** A column no field maps to is left unset (DSBulk's `schema.allowMissingFields`, default false). */
  allowMissingFields: boolean;
  /** A field no column takes is ignored (DSBulk's `schema.allowExtraFields`, default true). */
  allowExtraFields: boolean;
}

export interface FieldCheck {
  /** Each fails the load before anything is written. */
  errors: string[];
  warnings: string[];
}

/**
 * Holds the fields an input names (a CSV header) against the statement they feed, before any
 * row is read: a variable (a column, a bind variable, `__ttl`, `__timestamp`) whose field the
 * input lacks is an error unless missing fields are allowed, and always for a primary-key
 * column; when columns map by name, a field no variable takes is a warning unless extra
 * fields are disallowed. A column filled by a function or left out by an exclusion takes no
 * field, so it is never missing. A missing name near an unused one (edit distance ≤ 2,
 * ignoring case) gets a "did you mean".
 */
export function checkFields(
  statement: WriteStatement,
  fields: readonly string[],
  options: FieldCheckOptions,
  where: string,
): FieldCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const name = `${statement.keyspace}.${statement.table}`;
  const fieldSet = new Set(fields);
  const usedFields = new Set(statement.variables.map((v) => v.field));
  const unusedFields = fields.filter((f) => !usedFields.has(f));
  const hint = (missing: string) => {
    const near = unusedFields.filter((f) => isNear(f, missing));
    return near.length === 0 ? '' : ` (did you mean ${near.map((f) => `"${f}"`).join(' or ')}?)`;
  };
  const reported = new Set<string>();
  for (const v of statement.variables) {
    if (fieldSet.has(v.field) || reported.has(`${v.name}=${v.field}`)) continue;
    reported.add(`${v.name}=${v.field}`);
    const target =
      v.role !== 'column'
        ? v.name
        : statement.origin === 'query'
          ? `bind variable "${v.name}" of the query`
          : `column "${v.name}"`;
    const what =
      v.field === v.name && statement.isMappedByName
        ? `${target}${statement.origin === 'query' ? '' : ` of ${name}`} has no field in ${where}`
        : `the mapping takes ${target} from field "${v.field}", which ${where} lacks`;
    if (v.isKey) errors.push(`primary-key ${what}${hint(v.field)}`);
    else if (!options.allowMissingFields) {
      errors.push(
        `${what}${hint(v.field)}; give --schema.allowMissingFields true to leave it unset`,
      );
    } else warnings.push(`${what}: it is left unset`);
  }
  if (statement.isMappedByName) {
    for (const field of unusedFields) {
      const what = `field "${field}" of ${where} has no column in ${name}`;
      if (options.allowExtraFields) warnings.push(`${what}: it is ignored`);
      else errors.push(`${what} (--schema.allowExtraFields is false)`);
    }
  }
  return { errors, warnings };
}

/** Edit distance ≤ 2, case ignored: a typo, not another name. */
export function isNear(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > 2) return false;
  // Levenshtein distance with one row.
  const row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (x[i - 1] === y[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[y.length]! <= 2;
}
