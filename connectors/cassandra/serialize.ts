/**
 * The bytes of a partition key, as Cassandra hashes them.
 *
 * Each value is serialized as the driver encodes it for the protocol (so the routing key
 * and the bound value agree), and a composite key is built as Cassandra's CompositeType
 * does: for each component, a 2-byte big-endian length, the bytes, then a 0x00
 * end-of-component byte. A single-column key is its value's bytes alone.
 */

import cassandra from 'cassandra-driver';
import { ConnectorError } from '../../runtime/errors.ts';
import type { CqlType } from './convert.ts';

const { BigDecimal, InetAddress, LocalDate, LocalTime, Uuid } = cassandra.types;

function fixed(size: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.allocUnsafe(size);
  write(b);
  return b;
}

/** Minimal two's-complement big-endian bytes of `n`, as CQL varint stores it. */
export function varintBytes(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = n;
  // Stop once the remaining value is pure sign extension of the last byte written.
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.push(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes.reverse());
}

/** Serializes a value already converted for `type` (see convert.ts). */
export function serializeValue(type: CqlType, value: unknown): Buffer {
  switch (type) {
    case 'int':
      return fixed(4, (b) => b.writeInt32BE(value as number, 0));
    case 'smallint':
      return fixed(2, (b) => b.writeInt16BE(value as number, 0));
    case 'tinyint':
      return fixed(1, (b) => b.writeInt8(value as number, 0));
    case 'bigint':
    case 'counter':
      return fixed(8, (b) => b.writeBigInt64BE(value as bigint, 0));
    case 'varint':
      return varintBytes(value as bigint);
    case 'double':
      return fixed(8, (b) => b.writeDoubleBE(value as number, 0));
    case 'float':
      return fixed(4, (b) => b.writeFloatBE(value as number, 0));
    case 'boolean':
      return Buffer.from([value ? 1 : 0]);
    case 'text':
    case 'ascii':
      return Buffer.from(value as string, 'utf8');
    case 'timestamp':
      return fixed(8, (b) => b.writeBigInt64BE(BigInt((value as Date).getTime()), 0));
    case 'blob':
      return value as Buffer;
    case 'uuid':
    case 'timeuuid':
      return (value as InstanceType<typeof Uuid>).getBuffer();
    case 'date':
      return (value as InstanceType<typeof LocalDate>).toBuffer();
    case 'time':
      return (value as InstanceType<typeof LocalTime>).toBuffer();
    case 'inet':
      return (value as InstanceType<typeof InetAddress>).getBuffer();
    case 'decimal':
      return BigDecimal.toBuffer(value as InstanceType<typeof BigDecimal>);
    case 'other':
      throw new ConnectorError(
        'a partition key column of a collection, tuple, UDT or duration type cannot be routed',
      );
  }
}

/** The routing key of a partition from its serialized components. */
export function routingKey(components: readonly Buffer[]): Buffer {
  if (components.length === 1) return components[0]!;
  let size = 0;
  for (const c of components) size += c.length + 3;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const c of components) {
    if (c.length > 0xffff) {
      throw new ConnectorError(
        `a partition key component of ${c.length} bytes exceeds the limit of 65535 bytes`,
      );
    }
    out.writeUInt16BE(c.length, at);
    c.copy(out, at + 2);
    at += c.length + 2;
    out[at++] = 0;
  }
  return out;
}
