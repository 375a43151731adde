/**
 * Random partition keys of every routable CQL type, as the strings a CSV would carry.
 * Shared by the fixture generator and the live token test, so both cover the same shapes.
 */

import { Random } from '../../../cli/bench/random.ts';
import { converterFor } from '../../../connectors/cassandra/convert.ts';
import { routingKey, serializeValue } from '../../../connectors/cassandra/serialize.ts';

export const KEY_TYPES = [
  'int',
  'bigint',
  'smallint',
  'tinyint',
  'varint',
  'text',
  'ascii',
  'uuid',
  'timeuuid',
  'timestamp',
  'date',
  'time',
  'blob',
  'boolean',
  'double',
  'float',
  'inet',
  'decimal',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** Composite keys under test, as CQL column types. */
export const COMPOSITES: ReadonlyArray<readonly KeyType[]> = [
  ['int', 'text'],
  ['uuid', 'bigint', 'text'],
  ['text', 'blob'],
];

/** mulberry32: a small seeded PRNG, so fixtures and failures are reproducible. */
export function prng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

function int(random: () => number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(random() * 65536));
  return BigInt.asIntN(bits, v);
}

function hex(random: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const ALPHABET = 'abcXYZ019 _-é漢字🙂\u00ff';

export function randomKey(type: KeyType, random: () => number): string {
  switch (type) {
    case 'int':
      return String(int(random, 32));
    case 'bigint':
      return String(int(random, 64));
    case 'smallint':
      return String(int(random, 16));
    case 'tinyint':
      return String(int(random, 8));
    case 'varint':
      return String(int(random, 16 * (1 + Math.floor(random() * 8))));
    case 'text': {
      const chars = Array.from(ALPHABET);
      let s = '';
      const length = 1 + Math.floor(random() * 40);
      for (let i = 0; i < length; i++) s += chars[Math.floor(random() * chars.length)];
      return s;
    }
    case 'ascii': {
      let s = '';
      const length = 1 + Math.floor(random() * 40);
      for (let i = 0; i < length; i++) s += String.fromCharCode(32 + Math.floor(random() * 95));
      return s;
    }
    case 'uuid': {
      const h = hex(random, 16);
      const v = `${h.slice(0, 12)}4${h.slice(13, 16)}${'89ab'[Math.floor(random() * 4)]}${h.slice(17)}`;
      return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20)}`;
    }
    case 'timeuuid': {
      const h = hex(random, 16);
      const v = `${h.slice(0, 12)}1${h.slice(13, 16)}${'89ab'[Math.floor(random() * 4)]}${h.slice(17)}`;
      return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20)}`;
    }
    case 'timestamp':
      return random() < 0.5
        ? new Date(Math.floor((random() - 0.3) * 4e12)).toISOString()
        : String(Math.floor((random() - 0.5) * 1e13));
    case 'date':
      return `${pad(1900 + Math.floor(random() * 250), 4)}-${pad(1 + Math.floor(random() * 12), 2)}-${pad(1 + Math.floor(random() * 28), 2)}`;
    case 'time':
      return `${pad(Math.floor(random() * 24), 2)}:${pad(Math.floor(random() * 60), 2)}:${pad(Math.floor(random() * 60), 2)}.${pad(Math.floor(random() * 1e9), 9)}`;
    case 'blob':
      return `0x${hex(random, 1 + Math.floor(random() * 40))}`;
    case 'boolean':
      return random() < 0.5 ? 'true' : 'false';
    case 'double':
      return String((random() - 0.5) * 10 ** Math.floor(random() * 30 - 10));
    case 'float':
      return String(Math.fround((random() - 0.5) * 10 ** Math.floor(random() * 10 - 3)));
    case 'inet':
      return random() < 0.5
        ? [0, 0, 0, 0].map(() => Math.floor(random() * 256)).join('.')
        : Array.from({ length: 8 }, () => Math.floor(random() * 65536).toString(16)).join(':');
    case 'decimal':
      return `${random() < 0.5 ? '-' : ''}${String(int(random, 48)).replace('-', '')}.${pad(Math.floor(random() * 1e6), 6)}`;
  }
}

/** The table name used for a key shape. */
export function tableFor(types: readonly KeyType[]): string {
  return `k_${types.join('_')}`;
}

/** The routing key bytes of a key given as strings, through the sink's own conversion. */
export function keyBytes(shape: readonly KeyType[], key: readonly string[]): Buffer {
  return routingKey(
    shape.map((type, i) => serializeValue(type, converterFor(`p${i}`, type)(key[i]))),
  );
}
