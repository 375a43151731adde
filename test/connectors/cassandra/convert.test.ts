import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { type CqlType, converterFor } from '../../../connectors/cassandra/convert.ts';
import {
  routingKey,
  serializeValue,
  varintBytes,
} from '../../../connectors/cassandra/serialize.ts';
import { ConnectorError } from '../../../runtime/errors.ts';
import { KEY_TYPES, prng, randomKey } from './token-cases.ts';

// The driver's own encoder, untyped in its declarations, is the reference for key bytes.
const { Encoder } = cassandra as unknown as {
  Encoder: new (
    version: number,
    options: object,
  ) => { encode(value: unknown, type: number): Buffer };
};
const { types } = cassandra;
const encoder = new Encoder(4, { encoding: { useBigIntAsLong: true, useBigIntAsVarint: true } });

function convert(type: CqlType, value: unknown): unknown {
  return converterFor('c', type)(value);
}

describe('value conversion', () => {
  it.each([
    ['int', '-2147483648', -2147483648],
    ['int', ' 42 ', 42],
    ['int', 7, 7],
    ['smallint', '-32768', -32768],
    ['tinyint', '127', 127],
    ['bigint', '-9223372036854775808', -(2n ** 63n)],
    ['bigint', 12, 12n],
    ['varint', '123456789012345678901234567890', 123456789012345678901234567890n],
    ['double', '1.5e3', 1500],
    ['double', '-Infinity', Number.NEGATIVE_INFINITY],
    ['float', '.25', 0.25],
    ['boolean', 'TRUE', true],
    ['boolean', '0', false],
    ['text', 'héllo', 'héllo'],
    ['text', 12, '12'],
    ['ascii', 'plain', 'plain'],
  ] as Array<[CqlType, unknown, unknown]>)('%s accepts %o', (type, input, expected) => {
    expect(convert(type, input)).toEqual(expected);
  });

  it('reads timestamps as UTC unless they name a zone', () => {
    expect((convert('timestamp', '2024-03-01 10:20:30') as Date).toISOString()).toBe(
      '2024-03-01T10:20:30.000Z',
    );
    expect((convert('timestamp', '2024-03-01T10:20:30.123456+02:00') as Date).toISOString()).toBe(
      '2024-03-01T08:20:30.123Z',
    );
    expect((convert('timestamp', '1700000000000') as Date).getTime()).toBe(1700000000000);
    expect((convert('timestamp', '2024-03-01') as Date).toISOString()).toBe(
      '2024-03-01T00:00:00.000Z',
    );
  });

  it('converts uuid, timeuuid, date, blob, inet and decimal to driver values', () => {
    const id = '123e4567-e89b-42d3-a456-426614174000';
    expect(String(convert('uuid', id))).toBe(id);
    expect(String(convert('timeuuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'))).toBe(
      'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    );
    expect(String(convert('date', '2024-02-29'))).toBe('2024-02-29');
    expect(convert('blob', '0xCAFE')).toEqual(Buffer.from([0xca, 0xfe]));
    expect(String(convert('inet', '10.0.0.1'))).toBe('10.0.0.1');
    expect(String(convert('decimal', '-12.50'))).toBe('-12.50');
  });

  it('keeps null as null, so the driver writes a null', () => {
    expect(convert('int', null)).toBeNull();
  });

  it.each([
    ['int', '12abc'],
    ['int', '2147483648'],
    ['int', 1.5],
    ['tinyint', '128'],
    ['bigint', '9223372036854775808'],
    ['double', '1,5'],
    ['boolean', 'yes'],
    ['uuid', 'not-a-uuid'],
    ['timeuuid', '123e4567-e89b-42d3-a456-426614174000'],
    ['timestamp', '03/01/2024'],
    ['date', '2024-02-30'],
    ['blob', 'cafe'],
    ['inet', '999.1.1.1'],
    ['ascii', 'é'],
    ['text', { a: 1 }],
  ] as Array<[CqlType, unknown]>)(
    '%s rejects %o with an error naming column, type and value',
    (type, input) => {
      let error: unknown;
      try {
        converterFor('age', type)(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConnectorError);
      const message = (error as Error).message;
      expect(message).toContain('column "age"');
      expect(message).toContain(`(${type})`);
      expect(message).toContain(typeof input === 'object' ? 'a: 1' : String(input));
    },
  );

  it('truncates a long value in the error', () => {
    const long = 'x'.repeat(10_000);
    expect(() => convert('int', long)).toThrow(/… \(10002 chars\)/);
    try {
      convert('int', long);
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(200);
    }
  });
});

describe('key serialization', () => {
  it('serializes every key type exactly as the driver encodes it (seeded random values)', () => {
    const random = prng(99);
    for (const type of KEY_TYPES) {
      for (let i = 0; i < 200; i++) {
        const value = convert(type, randomKey(type, random));
        const expected = encoder.encode(value, types.dataTypes[type === 'text' ? 'varchar' : type]);
        expect({ type, bytes: serializeValue(type, value).toString('hex') }).toEqual({
          type,
          bytes: Buffer.from(expected).toString('hex'),
        });
      }
    }
  });

  it('encodes varint boundaries minimally', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '00'],
      [-1n, 'ff'],
      [127n, '7f'],
      [128n, '0080'],
      [-128n, '80'],
      [-129n, 'ff7f'],
      [255n, '00ff'],
      [256n, '0100'],
    ];
    for (const [n, hex] of cases) expect(varintBytes(n).toString('hex')).toBe(hex);
  });

  it('builds composite keys as length, bytes, 0x00 per component', () => {
    const key = routingKey([Buffer.from([1, 2]), Buffer.from('a')]);
    expect(key.toString('hex')).toBe('00020102' + '00' + '000161' + '00');
    const single = Buffer.from([9]);
    expect(routingKey([single])).toBe(single);
  });
});
