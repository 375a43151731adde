/**
 * The statement a load sends, planned once from the table and the sink's options.
 *
 * Two ways in, one result:
 * - generated: the mapping (or every column by name, less exclusions) gives the columns,
 *   each from a field or from a function Cassandra evaluates (`now() = created`); a table of
 *   counters gets `UPDATE … SET c = c + ?`, any other an INSERT. `ttlSeconds` and
 *   `timestampMicros` become `USING TTL n AND TIMESTAMP n`; the mapping's pseudo-columns
 *   `__ttl` and `__timestamp` become `USING TTL ? AND TIMESTAMP ?`, fed per row.
 * - `query`: DSBulk's `schema.query`, an INSERT or UPDATE read by write-query.ts; each bind
 *   marker is a variable fed by the field of its name, or as the mapping says.
 *
 * Either way Sluice writes the CQL text itself, with `?` markers in the order of
 * `variables`, so what is bound is exactly what was checked here. Every check fails with a
 * `ConfigError` naming the option, before a row is read. Each partition key column must be
 * fed by a field: the sink routes and batches rows by their partition key's token.
 */

import { ConfigError } from '../../runtime/errors.ts';
import { MAX_TTL_SECONDS } from './config.ts';
import type { CqlType } from './convert.ts';
import {
  type FunctionCall,
  isAssignable,
  literalFits,
  looksLikeCall,
  parseCall,
} from './cql-text.ts';
import { isNear, type Mapping, TIMESTAMP_TARGET, TTL_TARGET } from './mapping.ts';
import type { ColumnSchema, TableSchema } from './schema.ts';
import { parseWriteQuery, type QueryAssignment, type QueryValue } from './write-query.ts';

/** What the sink's options say about the statement (the resolved config satisfies it). */
export interface WriteSpec {
  /** Target (column, bind variable, `__ttl`, `__timestamp`) → field, or a function call. */
  mapping?: Readonly<Mapping> | undefined;
  /** Columns not in `mapping` take the field of their name; default: only without `mapping`. */
  isMappedByName?: boolean;
  /** Columns left out of those mapped by name. */
  excludedColumns?: readonly string[];
  query?: string | undefined;
  ttlSeconds?: number | undefined;
  timestampMicros?: number | undefined;
}

/** What a bound value becomes. */
export type VariableRole = 'column' | 'ttl' | 'timestamp';

export interface WriteVariable {
  /** The bind variable's name: the marker's, the column's, or `__ttl` / `__timestamp`. */
  name: string;
  /** The record field that feeds it. */
  field: string;
  role: VariableRole;
  /** The column it is written to (role `column`). */
  column: ColumnSchema | undefined;
  /** Its position in the partition key, or -1. */
  keyIndex: number;
  /** A partition key or clustering column: never null, never unset. */
  isKey: boolean;
}

export interface WriteStatement {
  keyspace: string;
  table: string;
  kind: 'insert' | 'update';
  /** The CQL Sluice prepares: `?` markers in the order of `variables`. */
  query: string;
  variables: WriteVariable[];
  /** Updates counters: such batches are COUNTER batches. */
  isCounter: boolean;
  /**
   * Applying it twice is applying it once. False for counter increments, list appends, and a
   * function (a new timeuuid each time) in a primary key column: those are not retried after
   * a timeout, which may have applied them.
   */
  isIdempotent: boolean;
  /** Columns (or variables) not named by the mapping take the field of their name. */
  isMappedByName: boolean;
  /** Planned from the mapping, or read from a custom query. */
  origin: 'mapping' | 'query';
}

/** Where a planned column's value comes from: a field (bound), or text in the statement. */
type PlannedValue =
  | { kind: 'field'; field: string; name: string }
  | { kind: 'function'; call: FunctionCall }
  | { kind: 'literal'; text: string };

interface Planned {
  column: ColumnSchema;
  kind: QueryAssignment['kind'];
  value: PlannedValue;
}

export function planWrite(schema: TableSchema, spec: WriteSpec = {}): WriteStatement {
  return spec.query === undefined ? planGenerated(schema, spec) : planQuery(schema, spec);
}

function mappingError(message: string): ConfigError {
  return new ConfigError(`mapping: ${message}`, { details: { option: 'mapping' } });
}

function queryError(message: string): ConfigError {
  return new ConfigError(`query: ${message}`, { details: { option: 'query' } });
}

function lacks(schema: TableSchema, column: string): string {
  const near = schema.columns.map((c) => c.name).filter((c) => isNear(c, column));
  const hint =
    near.length === 0 ? '' : ` (did you mean ${near.map((c) => `"${c}"`).join(' or ')}?)`;
  return `column "${column}", which ${schema.keyspace}.${schema.table} lacks${hint}`;
}

function isCounterTable(schema: TableSchema): boolean {
  return schema.columns.some((c) => c.type === 'counter');
}

function planGenerated(schema: TableSchema, spec: WriteSpec): WriteStatement {
  const mapping = spec.mapping ?? {};
  const isMappedByName = spec.isMappedByName ?? spec.mapping === undefined;
  const excluded = new Set(spec.excludedColumns ?? []);
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  const keys = new Set([...schema.partitionKey, ...schema.clustering]);
  if (excluded.size > 0 && !isMappedByName) {
    throw mappingError('exclusions (* = [-c]) leave columns out of "* = *": give it too');
  }
  for (const column of excluded) {
    if (!byName.has(column)) throw mappingError(`the exclusions name ${lacks(schema, column)}`);
    if (keys.has(column)) throw mappingError(`primary key column "${column}" cannot be excluded`);
    if (column in mapping) throw mappingError(`column "${column}" is both mapped and excluded`);
  }
  let ttlField: string | undefined;
  let timestampField: string | undefined;
  const planned: Planned[] = [];
  for (const [target, source] of Object.entries(mapping)) {
    if (target === TTL_TARGET || target === TIMESTAMP_TARGET) {
      if (looksLikeCall(source)) throw mappingError(`${target} takes a field, not ${source}`);
      if (target === TTL_TARGET) ttlField = source;
      else timestampField = source;
      continue;
    }
    const column = byName.get(target);
    if (column === undefined) throw mappingError(`the mapping names ${lacks(schema, target)}`);
    if (looksLikeCall(source)) {
      const call = parseCall(source, (m) => mappingError(`"${source} = ${target}" needs ${m}`));
      planned.push({ column, kind: 'set', value: { kind: 'function', call } });
    } else
      planned.push({ column, kind: 'set', value: { kind: 'field', field: source, name: target } });
  }
  if (isMappedByName) {
    for (const column of schema.columns) {
      if (column.name in mapping || excluded.has(column.name)) continue;
      planned.push({
        column,
        kind: 'set',
        value: { kind: 'field', field: column.name, name: column.name },
      });
    }
  }
  const missing = [...keys].filter((k) => !planned.some((p) => p.column.name === k));
  if (missing.length > 0) {
    throw mappingError(
      `every primary key column of ${schema.keyspace}.${schema.table} must be mapped; missing: ${missing.join(', ')}`,
    );
  }
  if (spec.ttlSeconds !== undefined && ttlField !== undefined) {
    throw mappingError(
      `${TTL_TARGET} (a TTL per row) and a TTL for every row cannot both be given`,
    );
  }
  if (spec.timestampMicros !== undefined && timestampField !== undefined) {
    throw mappingError(
      `${TIMESTAMP_TARGET} (a write time per row) and a write time for every row cannot both be given`,
    );
  }
  const isCounter = isCounterTable(schema);
  const hasUsing =
    spec.ttlSeconds !== undefined ||
    spec.timestampMicros !== undefined ||
    ttlField !== undefined ||
    timestampField !== undefined;
  if (isCounter && hasUsing) {
    throw mappingError(
      `${schema.keyspace}.${schema.table} is a counter table: Cassandra takes no TTL or write time on counter updates`,
    );
  }
  // A counter table is written by increments: each counter field is added.
  const assignments = planned.map((p) =>
    isCounter && !keys.has(p.column.name) ? { ...p, kind: 'add' as const } : p,
  );
  const using: Using = {
    ttl:
      spec.ttlSeconds !== undefined
        ? { kind: 'literal', text: String(spec.ttlSeconds) }
        : ttlField !== undefined
          ? { kind: 'field', field: ttlField }
          : undefined,
    timestamp:
      spec.timestampMicros !== undefined
        ? { kind: 'literal', text: String(spec.timestampMicros) }
        : timestampField !== undefined
          ? { kind: 'field', field: timestampField }
          : undefined,
  };
  return build(
    schema,
    isCounter ? 'update' : 'insert',
    assignments,
    using,
    isMappedByName,
    mappingError,
  );
}

type UsingValue =
  | { kind: 'literal'; text: string }
  | { kind: 'field'; field: string; name?: string };
interface Using {
  ttl: UsingValue | undefined;
  timestamp: UsingValue | undefined;
}

function planQuery(schema: TableSchema, spec: WriteSpec): WriteStatement {
  const parsed = parseWriteQuery(spec.query!, queryError);
  if (parsed.keyspace !== undefined && parsed.keyspace !== schema.keyspace) {
    throw queryError(
      `it writes to keyspace ${parsed.keyspace}, but the keyspace is ${schema.keyspace}`,
    );
  }
  if (parsed.table !== schema.table) {
    throw queryError(`it writes to table ${parsed.table}, but the table is ${schema.table}`);
  }
  if (spec.ttlSeconds !== undefined || spec.timestampMicros !== undefined) {
    throw queryError(
      'a TTL or write time for every row goes in the query itself (USING TTL … AND TIMESTAMP …)',
    );
  }
  const mapping = spec.mapping ?? {};
  if ((spec.excludedColumns ?? []).length > 0) {
    throw mappingError('exclusions apply to a generated statement, not to -query');
  }
  const isMappedByName = spec.isMappedByName ?? spec.mapping === undefined;
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  const keys = new Set([...schema.partitionKey, ...schema.clustering]);
  const isCounter = isCounterTable(schema);
  const seen = new Set<string>();
  const names = new Set<string>();
  const fieldOf = (name: string): string => {
    names.add(name);
    const source = mapping[name];
    if (source !== undefined) {
      if (looksLikeCall(source)) {
        throw mappingError(
          `with -query, a function goes in the query, not the mapping (${source})`,
        );
      }
      return source;
    }
    // A variable is always bound: one the mapping leaves out takes the field of its name.
    return name;
  };
  const planned: Planned[] = [];
  for (const a of parsed.assignments) {
    const column = byName.get(a.column);
    if (column === undefined) throw queryError(`it names ${lacks(schema, a.column)}`);
    const isKey = keys.has(a.column);
    if (seen.has(a.column)) throw queryError(`column "${a.column}" is assigned twice`);
    seen.add(a.column);
    if (parsed.kind === 'update' && isKey !== (a.kind === 'key')) {
      throw queryError(
        isKey
          ? `primary key column "${a.column}" goes in the WHERE clause, not in SET`
          : `the WHERE clause may only name primary key columns, not "${a.column}"`,
      );
    }
    if (parsed.kind === 'insert' && isCounter) {
      throw queryError(
        `${schema.keyspace}.${schema.table} is a counter table: use UPDATE … SET c = c + :c WHERE …`,
      );
    }
    checkAssignment(a, column, isCounter);
    const name = a.value.kind === 'marker' ? (a.value.name ?? a.column) : a.column;
    const value: PlannedValue =
      a.value.kind === 'marker'
        ? { kind: 'field', name, field: fieldOf(name) }
        : a.value.kind === 'function'
          ? a.value
          : { kind: 'literal', text: a.value.text };
    planned.push({ column, kind: a.kind, value });
  }
  const missing = [...keys].filter((k) => !seen.has(k));
  if (missing.length > 0) {
    throw queryError(`it must give every primary key column; missing: ${missing.join(', ')}`);
  }
  if (isCounter && (parsed.ttl !== undefined || parsed.timestamp !== undefined)) {
    throw queryError('Cassandra takes no TTL or write time on counter updates');
  }
  const usingOf = (value: QueryValue | undefined, pseudo: string): UsingValue | undefined => {
    if (value === undefined) return undefined;
    if (value.kind === 'literal') {
      if (pseudo === TTL_TARGET && Number(value.text) > MAX_TTL_SECONDS) {
        throw queryError(
          `a TTL of at most ${MAX_TTL_SECONDS} seconds (20 years), not ${value.text}`,
        );
      }
      return { kind: 'literal', text: value.text };
    }
    const name = value.kind === 'marker' ? (value.name ?? pseudo) : pseudo;
    return { kind: 'field', name, field: fieldOf(name) };
  };
  const using = {
    ttl: usingOf(parsed.ttl, TTL_TARGET),
    timestamp: usingOf(parsed.timestamp, TIMESTAMP_TARGET),
  };
  for (const target of Object.keys(mapping)) {
    if (!names.has(target)) {
      throw mappingError(
        `it names "${target}", which is no bind variable of the query (variables: ${[...names].join(', ')})`,
      );
    }
  }
  return build(schema, parsed.kind, planned, using, isMappedByName, queryError);
}

/** Refuses what Cassandra would refuse for this column, at start-up. */
function checkAssignment(a: QueryAssignment, column: ColumnSchema, isCounter: boolean): void {
  const where = `column "${column.name}" (${column.typeName})`;
  const isCollection = /^(list|set|map)</.test(column.typeName);
  if (column.type === 'counter' && a.kind !== 'add' && a.kind !== 'subtract') {
    throw queryError(
      `${where} is a counter: write ${column.name} = ${column.name} + :${column.name}`,
    );
  }
  if ((a.kind === 'add' || a.kind === 'subtract') && !isCounter && !isCollection) {
    throw queryError(`${where} = ${column.name} ± … needs a counter or a collection column`);
  }
  if (a.kind === 'prepend' && !column.typeName.startsWith('list<')) {
    throw queryError(`${where}: only a list can be prepended to`);
  }
  if (a.value.kind === 'literal' && !literalFits(a.value.token, column.type)) {
    throw queryError(`${where} cannot take the literal ${a.value.text}`);
  }
  if (a.value.kind === 'function' && !isAssignable(a.value.call.returns, column.type)) {
    throw queryError(`${where} cannot take ${a.value.call.text}, a ${a.value.call.returns}`);
  }
}

function build(
  schema: TableSchema,
  kind: 'insert' | 'update',
  planned: readonly Planned[],
  using: Using,
  isMappedByName: boolean,
  fail: (message: string) => ConfigError,
): WriteStatement {
  const variables: WriteVariable[] = [];
  const keys = new Set([...schema.partitionKey, ...schema.clustering]);
  let isIdempotent = true;
  /** The CQL of one value, adding its variable when it is bound. */
  const valueText = (p: Planned): string => {
    const v = p.value;
    const isKey = keys.has(p.column.name);
    const keyIndex = schema.partitionKey.indexOf(p.column.name);
    if (v.kind === 'field') {
      variables.push({
        name: v.name,
        field: v.field,
        role: 'column',
        column: p.column,
        keyIndex,
        isKey,
      });
      return '?';
    }
    if (keyIndex >= 0) {
      throw fail(
        `partition key column "${p.column.name}" must come from a field: rows are routed by their partition key`,
      );
    }
    if (v.kind === 'function') {
      if (!isAssignable(v.call.returns, p.column.type)) {
        throw fail(
          `column "${p.column.name}" (${p.column.typeName}) cannot take ${v.call.text}, a ${v.call.returns}`,
        );
      }
      // A fresh timeuuid in a clustering column makes a second row if a write is retried.
      if (isKey) isIdempotent = false;
      return v.call.text;
    }
    return v.text;
  };
  const usingText = (
    value: UsingValue | undefined,
    role: 'ttl' | 'timestamp',
  ): string | undefined => {
    if (value === undefined) return undefined;
    const word = role === 'ttl' ? 'TTL' : 'TIMESTAMP';
    if (value.kind === 'literal') return `${word} ${value.text}`;
    const name = value.name ?? (role === 'ttl' ? TTL_TARGET : TIMESTAMP_TARGET);
    variables.push({
      name,
      field: value.field,
      role,
      column: undefined,
      keyIndex: -1,
      isKey: false,
    });
    return `${word} ?`;
  };
  const table = `${quote(schema.keyspace)}.${quote(schema.table)}`;
  const isCounter = planned.some((p) => p.column.type === 'counter');
  for (const p of planned) {
    if (p.kind === 'add' || p.kind === 'subtract' || p.kind === 'prepend') {
      if (
        p.column.type === 'counter' ||
        p.kind === 'prepend' ||
        p.column.typeName.startsWith('list<')
      ) {
        isIdempotent = false;
      }
    }
  }
  let query: string;
  if (kind === 'insert') {
    const columns = planned.map((p) => quote(p.column.name));
    const values = planned.map(valueText);
    const clauses = [usingText(using.ttl, 'ttl'), usingText(using.timestamp, 'timestamp')].filter(
      (c) => c !== undefined,
    );
    query = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values.join(', ')})${clauses.length > 0 ? ` USING ${clauses.join(' AND ')}` : ''}`;
  } else {
    // UPDATE binds its USING values first: they come first in the text.
    const clauses = [usingText(using.ttl, 'ttl'), usingText(using.timestamp, 'timestamp')].filter(
      (c) => c !== undefined,
    );
    const sets: string[] = [];
    const wheres: string[] = [];
    for (const p of planned.filter((q) => !keys.has(q.column.name))) {
      const c = quote(p.column.name);
      const v = valueText(p);
      sets.push(
        p.kind === 'add'
          ? `${c} = ${c} + ${v}`
          : p.kind === 'subtract'
            ? `${c} = ${c} - ${v}`
            : p.kind === 'prepend'
              ? `${c} = ${v} + ${c}`
              : `${c} = ${v}`,
      );
    }
    for (const p of planned.filter((q) => keys.has(q.column.name))) {
      wheres.push(`${quote(p.column.name)} = ${valueText(p)}`);
    }
    if (sets.length === 0)
      throw fail('an UPDATE needs at least one column besides the primary key');
    query = `UPDATE ${table}${clauses.length > 0 ? ` USING ${clauses.join(' AND ')}` : ''} SET ${sets.join(', ')} WHERE ${wheres.join(' AND ')}`;
  }
  return {
    keyspace: schema.keyspace,
    table: schema.table,
    kind,
    query,
    variables,
    isCounter,
    isIdempotent,
    isMappedByName,
    origin: fail === queryError ? 'query' : 'mapping',
  };
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** The CQL type of a variable's value, for conversion: TTLs are ints, write times bigints. */
export function variableType(v: WriteVariable): CqlType {
  return v.role === 'column' ? v.column!.type : v.role === 'ttl' ? 'int' : 'bigint';
}
