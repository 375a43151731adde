import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareTokens,
  murmur3Token,
  tokenFromBigInt,
  tokenOf,
  tokenToBigInt,
} from '../../../connectors/cassandra/murmur3.ts';
import type { TokenCase } from './live-tokens.ts';
import { COMPOSITES, KEY_TYPES, keyBytes } from './token-cases.ts';

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/tokens.json', import.meta.url), 'utf8'),
) as { cassandra: string; cases: TokenCase[] };

// The driver's own Murmur3 port is a second, independent implementation to compare with.
const require = createRequire(import.meta.url);
const { Murmur3Tokenizer } = require('cassandra-driver/lib/tokenizer') as {
  Murmur3Tokenizer: new () => { hash(b: Buffer): { getValue(): { toString(): string } } };
};
const driverTokenizer = new Murmur3Tokenizer();

describe('murmur3 token', () => {
  it(`matches every token vector read from Cassandra ${fixtures.cassandra}`, () => {
    const shapes = new Set(fixtures.cases.map((c) => c.shape.join(',')));
    // Every key type and composite shape is covered by the fixtures.
    expect(shapes.size).toBe(KEY_TYPES.length + COMPOSITES.length);
    for (const c of fixtures.cases) {
      expect({ key: c.key, token: String(tokenOf(keyBytes(c.shape, c.key))) }).toEqual({
        key: c.key,
        token: c.token,
      });
    }
  });

  it('agrees with the driver for random bytes of every tail length (seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        const expected = driverTokenizer.hash(Buffer.from(bytes)).getValue().toString();
        expect(String(tokenOf(bytes))).toBe(expected);
      }),
      { seed: 4242, numRuns: 3000 },
    );
  });

  it('hashes bytes ≥ 0x80 in the tail as sign-extended Java bytes', () => {
    // Cassandra's token for the single byte 0xff differs from the unsigned-tail MurmurHash3.
    expect(String(tokenOf(Uint8Array.of(0xff)))).toBe(
      driverTokenizer.hash(Buffer.of(0xff)).getValue().toString(),
    );
    expect(tokenOf(Uint8Array.of(0xff))).not.toBe(tokenOf(Uint8Array.of(0x7f)));
  });

  it('gives the empty key the minimum token', () => {
    expect(tokenOf(new Uint8Array(0))).toBe(-(2n ** 63n));
  });

  it('hashes a slice of a larger buffer like the slice alone', () => {
    const big = Buffer.from('xxhello-worldyy');
    const out = { hi: 0, lo: 0 };
    murmur3Token(big, out, 2, 13);
    expect(tokenToBigInt(out)).toBe(tokenOf(Buffer.from('hello-world')));
  });

  it('orders tokens as signed 64-bit integers', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (a, b) => {
          const ta = tokenFromBigInt(a);
          const tb = tokenFromBigInt(b);
          expect(tokenToBigInt(ta)).toBe(a);
          expect(compareTokens(ta.hi, ta.lo, tb.hi, tb.lo)).toBe(a < b ? -1 : a > b ? 1 : 0);
        },
      ),
      { seed: 7, numRuns: 2000 },
    );
  });
});
