/**
 * DSBulk's mapping syntax, the one parser of it (`sluice load -m`, and any command that takes
 * a mapping as text): `field = column` pairs, comma-separated (`user_id = id, fullName = name`),
 * or `*=*` for every column to the field of its name. A bare name maps the field of that name
 * (with a header) or the next position (without one: `id, name` is `0=id, 1=name`).
 *
 * The result is what the sink's `mapping` option takes (column → field), which `resolveConfig`
 * then checks as it checks a mapping given as an object.
 */

import { IDENTIFIER } from './config.ts';

/** Column → record field. */
export type Mapping = Record<string, string>;

/** Makes the caller's error for a mapping that is not `expected` (the caller names its option). */
export type MappingError = (expected: string) => Error;

/** The mapping in `text`, or undefined for `*=*` (every column to the field of its name). */
export function parseMappingText(
  text: string,
  isPositional: boolean,
  bad: MappingError,
): Mapping | undefined {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw bad("a list of field=column pairs, or '*=*'");
  if (entries.length === 1 && entries[0]!.replace(/\s/g, '') === '*=*') return undefined;
  const mapping: Mapping = {};
  entries.forEach((entry, position) => {
    const eq = entry.indexOf('=');
    const field = eq < 0 ? (isPositional ? String(position) : entry) : entry.slice(0, eq).trim();
    const column = (eq < 0 ? entry : entry.slice(eq + 1)).trim();
    if (field === '*' || column === '*') {
      throw bad("'*=*' alone (it cannot be combined with other pairs)");
    }
    if (field === '') throw bad(`a field before '=' in "${entry}"`);
    if (isPositional && !/^\d+$/.test(field)) {
      throw bad(`positions (0, 1, …) as fields without a header, not "${field}"`);
    }
    if (!IDENTIFIER.test(column)) throw bad(`a column name after '=', not "${column}"`);
    if (column in mapping) throw bad(`free of duplicates: column ${column} is mapped twice`);
    mapping[column] = field;
  });
  return mapping;
}

/** Highest position a positional mapping reads, +1: how many fields each record must have. */
export function positionalWidth(mapping: Mapping): number {
  return Math.max(...Object.values(mapping).map(Number)) + 1;
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

/** What `checkFields` needs of a table: its columns and its primary key. */
export interface TableColumns {
  keyspace: string;
  table: string;
  columns: readonly { name: string }[];
  partitionKey: readonly string[];
  clustering: readonly string[];
}

/**
 * Holds the fields an input names (a CSV header) against the table, before any row is read:
 * with the default mapping (by name), a column with no field is an error unless missing
 * fields are allowed, and always for a primary-key column; a field with no column is a
 * warning unless extra fields are disallowed. With an explicit mapping, a mapped field the
 * input lacks and a mapped column the table lacks are errors. A missing name near an unused
 * one (edit distance ≤ 2, ignoring case) gets a "did you mean".
 */
export function checkFields(
  table: TableColumns,
  fields: readonly string[],
  mapping: Mapping | undefined,
  options: FieldCheckOptions,
  where: string,
): FieldCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const name = `${table.keyspace}.${table.table}`;
  const columns = table.columns.map((c) => c.name);
  const keys = new Set([...table.partitionKey, ...table.clustering]);
  const fieldSet = new Set(fields);
  const pairs: [column: string, field: string][] =
    mapping === undefined ? columns.map((c) => [c, c]) : Object.entries(mapping);
  const usedFields = new Set(pairs.map(([, field]) => field));
  const unusedFields = fields.filter((f) => !usedFields.has(f));
  const hint = (missing: string) => {
    const near = unusedFields.filter((f) => isNear(f, missing));
    return near.length === 0 ? '' : ` (did you mean ${near.map((f) => `"${f}"`).join(' or ')}?)`;
  };
  if (mapping !== undefined) {
    for (const [column] of pairs) {
      if (!columns.includes(column)) {
        const near = columns.filter((c) => isNear(c, column));
        const didYouMean =
          near.length === 0 ? '' : ` (did you mean ${near.map((c) => `"${c}"`).join(' or ')}?)`;
        errors.push(`the mapping names column "${column}", which ${name} lacks${didYouMean}`);
      }
    }
  }
  for (const [column, field] of pairs) {
    if (fieldSet.has(field) || !columns.includes(column)) continue;
    const what =
      mapping === undefined
        ? `column "${column}" of ${name} has no field in ${where}`
        : `the mapping takes column "${column}" from field "${field}", which ${where} lacks`;
    if (keys.has(column)) errors.push(`primary-key ${what}${hint(field)}`);
    else if (!options.allowMissingFields) {
      errors.push(`${what}${hint(field)}; give --schema.allowMissingFields true to leave it unset`);
    } else warnings.push(`${what}: it is left unset`);
  }
  if (mapping === undefined) {
    for (const field of unusedFields) {
      const what = `field "${field}" of ${where} has no column in ${name}`;
      if (options.allowExtraFields) warnings.push(`${what}: it is ignored`);
      else errors.push(`${what} (--schema.allowExtraFields is false)`);
    }
  }
  return { errors, warnings };
}

/** Edit distance ≤ 2, case ignored: a typo, not another name. */
function isNear(a: string, b: string): boolean {
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
