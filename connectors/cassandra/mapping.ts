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
