/**
 * The target table's schema, and the mapping of records onto its columns.
 *
 * `readTableSchema` reads columns, partition key and clustering columns from the driver's
 * metadata. `RowMapper` plans the statement once (statement.ts: which variables are bound,
 * from which fields) and then turns each record into bound values plus the routing facts of
 * its partition: the serialized key and its token.
 *
 * A field absent from the record is bound as "unset", and by default so is a null one
 * (DSBulk's `nullToUnset`), so a sparse record writes no tombstones. Key columns must be
 * present and non-null.
 */

import cassandra from 'cassandra-driver';
import { ConnectorError } from '../../runtime/errors.ts';
import type { NullWrite } from './config.ts';
import {
  type Converter,
  type CqlType,
  converterFor,
  SCALAR_TYPES,
  showValue,
  ttlConverter,
  writeTimeConverter,
} from './convert.ts';
import { murmur3Token, type Token } from './murmur3.ts';
import { routingKey, serializeValue } from './serialize.ts';
import { planWrite, type WriteSpec, type WriteStatement, type WriteVariable } from './statement.ts';

export interface ColumnSchema {
  name: string;
  type: CqlType;
  /** The CQL type as Cassandra writes it, for messages: "int", "list<text>". */
  typeName: string;
}

export interface TableSchema {
  keyspace: string;
  table: string;
  columns: ColumnSchema[];
  partitionKey: string[];
  clustering: string[];
}

interface DriverType {
  code: number;
  info?: unknown;
}

const { dataTypes } = cassandra.types;
const CODE_NAMES = new Map<number, string>(
  Object.entries(dataTypes)
    .filter(([, v]) => typeof v === 'number')
    .map(([name, code]) => [code as number, name]),
);

function typeNameOf(type: DriverType): string {
  const name = CODE_NAMES.get(type.code) ?? `type 0x${type.code.toString(16)}`;
  if (name === 'varchar') return 'text';
  if (name === 'custom' && typeof type.info === 'string') return `'${type.info}'`;
  if (Array.isArray(type.info)) return `${name}<${type.info.map(typeNameOf).join(', ')}>`;
  if (type.info && typeof type.info === 'object' && 'code' in type.info) {
    return `${name}<${typeNameOf(type.info as DriverType)}>`;
  }
  return name;
}

export function cqlTypeOf(typeName: string): CqlType {
  return (SCALAR_TYPES as readonly string[]).includes(typeName) ? (typeName as CqlType) : 'other';
}

/** Reads the schema of `keyspace.table`; a missing keyspace or table is a `ConnectorError` naming it. */
export async function readTableSchema(
  client: cassandra.Client,
  keyspace: string,
  table: string,
): Promise<TableSchema> {
  if (client.metadata.keyspaces[keyspace] === undefined) {
    const known = Object.keys(client.metadata.keyspaces).filter((k) => !k.startsWith('system'));
    throw new ConnectorError(
      `keyspace "${keyspace}" does not exist (user keyspaces: ${known.join(', ') || 'none'})`,
      { details: { keyspace } },
    );
  }
  const meta = await client.metadata.getTable(keyspace, table);
  if (meta === null) {
    const tables = await client
      .execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [keyspace], {
        prepare: true,
      })
      .then((r) => r.rows.map((row) => String(row.get('table_name'))).sort())
      .catch(() => undefined);
    const listed =
      tables === undefined ? '' : ` (tables of ${keyspace}: ${tables.join(', ') || 'none'})`;
    throw new ConnectorError(`table "${keyspace}.${table}" does not exist${listed}`, {
      details: { keyspace, table },
    });
  }
  const columns = meta.columns.map((c) => {
    const typeName = typeNameOf(c.type as DriverType);
    return { name: c.name, type: cqlTypeOf(typeName), typeName };
  });
  return {
    keyspace,
    table,
    columns,
    partitionKey: meta.partitionKeys.map((c) => c.name),
    clustering: meta.clusteringKeys.map((c) => c.name),
  };
}

/** One record made ready to send. */
export interface BoundRow {
  /** The record as received, kept for the bad-records file. */
  record: unknown;
  values: unknown[];
  /** Serialized partition key: routing key and the identity of the partition. */
  key: Buffer;
  token: Token;
  /** Approximate size on the wire, for batch limits. */
  bytes: number;
}

/** What the mapper is told: the statement's options (statement.ts) and what a null does. */
export interface RowMapperOptions extends WriteSpec {
  nulls?: NullWrite;
}

interface BoundVariable {
  v: WriteVariable;
  convert: Converter;
}

export class RowMapper {
  readonly schema: TableSchema;
  /** What each record is bound to: planned once from the table and the options. */
  readonly statement: WriteStatement;
  readonly #variables: BoundVariable[];
  readonly #keyParts: Buffer[];
  readonly #keyVariables: BoundVariable[];
  readonly #isNullUnset: boolean;

  /** Throws a `ConfigError` naming the option when the statement cannot be planned. */
  constructor(schema: TableSchema, options: RowMapperOptions = {}) {
    this.schema = schema;
    const where = `${schema.keyspace}.${schema.table}`;
    for (const k of schema.partitionKey) {
      const column = schema.columns.find((c) => c.name === k)!;
      if (column.type === 'other') {
        throw new ConnectorError(
          `partition key column "${k}" of ${where} has type ${column.typeName}, which Sluice cannot route`,
        );
      }
    }
    this.statement = planWrite(schema, options);
    this.#isNullUnset = (options.nulls ?? 'unset') === 'unset';
    this.#variables = this.statement.variables.map((v) => ({ v, convert: converterOf(v) }));
    this.#keyParts = new Array(schema.partitionKey.length);
    this.#keyVariables = this.#variables.filter((b) => b.v.keyIndex >= 0);
  }

  /** The CQL that each bound row is sent with. */
  get query(): string {
    return this.statement.query;
  }

  /**
   * The token of a record's partition, converting only the partition key columns (for the
   * `replica` partitioner, upstream of the writer); `undefined` when the key does not convert.
   */
  tryToken(record: unknown, out: Token): Token | undefined {
    if (typeof record !== 'object' || record === null) return undefined;
    const fields = record as Record<string, unknown>;
    for (const { v, convert } of this.#keyVariables) {
      const raw = fields[v.field];
      if (raw === undefined || raw === null) return undefined;
      try {
        this.#keyParts[v.keyIndex] = serializeValue(v.column!.type, convert(raw));
      } catch {
        return undefined;
      }
    }
    return murmur3Token(routingKey(this.#keyParts), out);
  }

  /**
   * Converts a record; throws a `ConnectorError` naming the column when it cannot. A missing
   * field is bound as unset, and so is a null one unless nulls are written (`nulls: 'null'`):
   * an unset column is left as it is, with no tombstone. A row's TTL or write time that is
   * null or missing is always unset (the table's default TTL, the coordinator's clock).
   */
  bind(record: unknown): BoundRow {
    if (typeof record !== 'object' || record === null) {
      throw new ConnectorError(`a record must be an object, got ${showValue(record)}`);
    }
    const fields = record as Record<string, unknown>;
    const values = new Array<unknown>(this.#variables.length);
    let bytes = 0;
    for (let i = 0; i < this.#variables.length; i++) {
      const { v, convert } = this.#variables[i]!;
      const raw = fields[v.field];
      if (raw === undefined || raw === null) {
        if (v.isKey) {
          const column = v.column!;
          throw new ConnectorError(
            `primary key column "${column.name}" (${column.typeName}) has no value: field "${v.field}" is ${raw === null ? 'null' : 'missing'}`,
            { details: { column: column.name, cqlType: column.typeName } },
          );
        }
        values[i] =
          raw === null && !this.#isNullUnset && v.role === 'column' ? null : cassandra.types.unset;
        continue;
      }
      const value = convert(raw);
      values[i] = value;
      bytes += 4 + sizeOf(value);
      if (v.keyIndex >= 0) this.#keyParts[v.keyIndex] = serializeValue(v.column!.type, value);
    }
    const key = routingKey(this.#keyParts);
    return { record, values, key, token: murmur3Token(key, { hi: 0, lo: 0 }), bytes };
  }
}

/** The converter of a variable: its column's, or a row's TTL (seconds) or write time (µs). */
function converterOf(v: WriteVariable): Converter {
  if (v.role === 'ttl') return ttlConverter(v.field);
  if (v.role === 'timestamp') return writeTimeConverter(v.field);
  return converterFor(v.column!.name, v.column!.type, v.column!.typeName);
}

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (value === null) return 0;
  // Numbers, dates, uuids: fixed-size encodings of at most 16 bytes.
  return typeof value === 'object' && !(value instanceof Date) ? 16 : 8;
}
