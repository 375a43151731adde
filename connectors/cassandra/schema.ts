/**
 * The target table's schema, and the mapping of records onto its columns.
 *
 * `readTableSchema` reads columns, partition key and clustering columns from the driver's
 * metadata. `RowMapper` decides once which columns are written (all the table's columns
 * mapped by name, or exactly those of an explicit mapping) and then turns each record into
 * bound values plus the routing facts of its partition: the serialized key and its token.
 *
 * A field absent from the record is bound as "unset", so a sparse record writes no
 * tombstones; `null` writes a null. Key columns must be present and non-null.
 */

import cassandra from 'cassandra-driver';
import { ConnectorError } from '../../runtime/errors.ts';
import { type Converter, type CqlType, converterFor, SCALAR_TYPES, showValue } from './convert.ts';
import { murmur3Token, type Token } from './murmur3.ts';
import { routingKey, serializeValue } from './serialize.ts';

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

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
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

interface WrittenColumn {
  schema: ColumnSchema;
  field: string;
  convert: Converter;
  /** Position in the partition key, or -1. */
  keyIndex: number;
  isClustering: boolean;
}

export class RowMapper {
  readonly schema: TableSchema;
  readonly insertQuery: string;
  readonly #columns: WrittenColumn[];
  readonly #keyParts: Buffer[];
  readonly #keyColumns: WrittenColumn[];

  constructor(schema: TableSchema, mapping?: Readonly<Record<string, string>>) {
    this.schema = schema;
    const byName = new Map(schema.columns.map((c) => [c.name, c]));
    const where = `${schema.keyspace}.${schema.table}`;
    const chosen: Array<[ColumnSchema, string]> = [];
    if (mapping === undefined) {
      for (const c of schema.columns) chosen.push([c, c.name]);
    } else {
      for (const [column, field] of Object.entries(mapping)) {
        const c = byName.get(column);
        if (c === undefined) {
          throw new ConnectorError(
            `mapping names column "${column}", which ${where} does not have (columns: ${[...byName.keys()].join(', ')})`,
            { details: { column } },
          );
        }
        chosen.push([c, field]);
      }
      const unmapped = [...schema.partitionKey, ...schema.clustering].filter(
        (k) => !(k in mapping),
      );
      if (unmapped.length > 0) {
        throw new ConnectorError(
          `mapping must map every primary key column of ${where}; missing: ${unmapped.join(', ')}`,
          { details: { columns: unmapped } },
        );
      }
    }
    for (const k of schema.partitionKey) {
      if (byName.get(k)!.type === 'other') {
        throw new ConnectorError(
          `partition key column "${k}" of ${where} has type ${byName.get(k)!.typeName}, which Sluice cannot route`,
        );
      }
    }
    this.#columns = chosen.map(([c, field]) => ({
      schema: c,
      field,
      convert: converterFor(c.name, c.type, c.typeName),
      keyIndex: schema.partitionKey.indexOf(c.name),
      isClustering: schema.clustering.includes(c.name),
    }));
    this.#keyParts = new Array(schema.partitionKey.length);
    this.#keyColumns = this.#columns.filter((c) => c.keyIndex >= 0);
    const names = this.#columns.map((c) => quote(c.schema.name));
    this.insertQuery = `INSERT INTO ${quote(schema.keyspace)}.${quote(schema.table)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
  }

  get columns(): ColumnSchema[] {
    return this.#columns.map((c) => c.schema);
  }

  /**
   * The token of a record's partition, converting only the partition key columns (for the
   * `replica` partitioner, upstream of the writer); `undefined` when the key does not convert.
   */
  tryToken(record: unknown, out: Token): Token | undefined {
    if (typeof record !== 'object' || record === null) return undefined;
    const fields = record as Record<string, unknown>;
    for (const column of this.#keyColumns) {
      const raw = fields[column.field];
      if (raw === undefined || raw === null) return undefined;
      try {
        this.#keyParts[column.keyIndex] = serializeValue(column.schema.type, column.convert(raw));
      } catch {
        return undefined;
      }
    }
    return murmur3Token(routingKey(this.#keyParts), out);
  }

  /** Converts a record; throws a `ConnectorError` naming the column when it cannot. */
  bind(record: unknown): BoundRow {
    if (typeof record !== 'object' || record === null) {
      throw new ConnectorError(`a record must be an object, got ${showValue(record)}`);
    }
    const fields = record as Record<string, unknown>;
    const values = new Array<unknown>(this.#columns.length);
    let bytes = 0;
    for (let i = 0; i < this.#columns.length; i++) {
      const column = this.#columns[i]!;
      const raw = fields[column.field];
      if (raw === undefined || (raw === null && (column.keyIndex >= 0 || column.isClustering))) {
        if (column.keyIndex >= 0 || column.isClustering) {
          throw new ConnectorError(
            `primary key column "${column.schema.name}" (${column.schema.typeName}) has no value: field "${column.field}" is ${raw === null ? 'null' : 'missing'}`,
            { details: { column: column.schema.name, cqlType: column.schema.typeName } },
          );
        }
        values[i] = cassandra.types.unset;
        continue;
      }
      const value = column.convert(raw);
      values[i] = value;
      bytes += 4 + sizeOf(value);
      if (column.keyIndex >= 0) {
        this.#keyParts[column.keyIndex] = serializeValue(column.schema.type, value);
      }
    }
    const key = routingKey(this.#keyParts);
    return { record, values, key, token: murmur3Token(key, { hi: 0, lo: 0 }), bytes };
  }
}

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (value === null) return 0;
  // Numbers, dates, uuids: fixed-size encodings of at most 16 bytes.
  return typeof value === 'object' && !(value instanceof Date) ? 16 : 8;
}
