/**
 * The token of a partition key, exactly as Cassandra's Murmur3Partitioner computes it.
 *
 * That is MurmurHash3 x64_128 with seed 0, keeping the first 64-bit half as a signed long,
 * with two Cassandra quirks:
 *  - the tail bytes (length % 16) are read as signed Java bytes, so a byte ≥ 0x80 is
 *    sign-extended to 64 bits before the shift (the 16-byte blocks are read unsigned);
 *  - Long.MIN_VALUE is reserved for the minimum token, so a hash equal to it becomes
 *    Long.MAX_VALUE; the empty key has the minimum token.
 *
 * BigInt arithmetic costs a heap allocation per operation, so the 64-bit lanes are kept as
 * pairs of 32-bit halves in local variables; the result is written into a `Token` pair.
 */

/** A 64-bit token as two halves: `hi` is signed (it orders tokens), `lo` is unsigned. */
export interface Token {
  hi: number;
  lo: number;
}

// Scratch result of the 64-bit helpers below: one module, one thread, no re-entrancy.
let rh = 0;
let rl = 0;

/** (ah:al) × (bh:bl) mod 2^64 → rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  // The high 32 bits of al × bl from 16-bit partial products, each exact in a double.
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  rl = Math.imul(al, bl) >>> 0;
  rh = (carry + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

function rotl(h: number, l: number, r: number): void {
  if (r >= 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  if (r === 0) {
    rh = h >>> 0;
    rl = l >>> 0;
    return;
  }
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

function fmix(h: number, l: number): void {
  l = (l ^ (h >>> 1)) >>> 0;
  mul(h, l, 0xff51afd7, 0xed558ccd);
  h = rh;
  l = (rl ^ (h >>> 1)) >>> 0;
  mul(h, l, 0xc4ceb9fe, 0x1a85ec53);
  h = rh;
  rl = (rl ^ (h >>> 1)) >>> 0;
}

const C1H = 0x87c37b91;
const C1L = 0x114253d5;
const C2H = 0x4cf5ad43;
const C2L = 0x2745937f;

function readLE32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/**
 * Computes the token of `key[start, end)` into `out`.
 * The key is the serialized partition key (see `routingKey` in serialize.ts).
 */
export function murmur3Token(key: Uint8Array, out: Token, start = 0, end = key.length): Token {
  const length = end - start;
  if (length === 0) {
    out.hi = -0x80000000;
    out.lo = 0;
    return out;
  }
  let h1h = 0;
  let h1l = 0;
  let h2h = 0;
  let h2l = 0;
  const blocksEnd = start + (length & ~15);
  for (let i = start; i < blocksEnd; i += 16) {
    const k1l = readLE32(key, i);
    const k1h = readLE32(key, i + 4);
    const k2l = readLE32(key, i + 8);
    const k2h = readLE32(key, i + 12);

    mul(k1h, k1l, C1H, C1L);
    rotl(rh, rl, 31);
    mul(rh, rl, C2H, C2L);
    h1h = (h1h ^ rh) >>> 0;
    h1l = (h1l ^ rl) >>> 0;
    rotl(h1h, h1l, 27);
    add(rh, rl, h2h, h2l);
    mul(rh, rl, 0, 5);
    add(rh, rl, 0, 0x52dce729);
    h1h = rh;
    h1l = rl;

    mul(k2h, k2l, C2H, C2L);
    rotl(rh, rl, 33);
    mul(rh, rl, C1H, C1L);
    h2h = (h2h ^ rh) >>> 0;
    h2l = (h2l ^ rl) >>> 0;
    rotl(h2h, h2l, 31);
    add(rh, rl, h1h, h1l);
    mul(rh, rl, 0, 5);
    add(rh, rl, 0, 0x38495ab5);
    h2h = rh;
    h2l = rl;
  }

  const tail = length & 15;
  if (tail > 0) {
    let k1h = 0;
    let k1l = 0;
    let k2h = 0;
    let k2l = 0;
    for (let j = tail - 1; j >= 0; j--) {
      // Java's (long) byteValue: sign-extend, then shift within the 64-bit lane.
      const v = (key[blocksEnd + j]! << 24) >> 24;
      const fill = v < 0 ? -1 : 0;
      const shift = (j & 7) * 8;
      let vh: number;
      let vl: number;
      if (shift === 0) {
        vh = fill;
        vl = v;
      } else if (shift < 32) {
        vh = (fill << shift) | (v >>> (32 - shift));
        vl = v << shift;
      } else {
        vh = v << (shift - 32);
        vl = 0;
      }
      if (j >= 8) {
        k2h ^= vh;
        k2l ^= vl;
      } else {
        k1h ^= vh;
        k1l ^= vl;
      }
    }
    if (tail > 8) {
      mul(k2h >>> 0, k2l >>> 0, C2H, C2L);
      rotl(rh, rl, 33);
      mul(rh, rl, C1H, C1L);
      h2h = (h2h ^ rh) >>> 0;
      h2l = (h2l ^ rl) >>> 0;
    }
    mul(k1h >>> 0, k1l >>> 0, C1H, C1L);
    rotl(rh, rl, 31);
    mul(rh, rl, C2H, C2L);
    h1h = (h1h ^ rh) >>> 0;
    h1l = (h1l ^ rl) >>> 0;
  }

  // Lengths are below 2^31, so only the low half of the 64-bit length is non-zero.
  h1l = (h1l ^ length) >>> 0;
  h2l = (h2l ^ length) >>> 0;
  add(h1h, h1l, h2h, h2l);
  h1h = rh;
  h1l = rl;
  add(h2h, h2l, h1h, h1l);
  h2h = rh;
  h2l = rl;
  fmix(h1h, h1l);
  h1h = rh;
  h1l = rl;
  fmix(h2h, h2l);
  add(h1h, h1l, rh, rl);

  let hi = rh | 0;
  let lo = rl;
  if (hi === -0x80000000 && lo === 0) {
    hi = 0x7fffffff;
    lo = 0xffffffff;
  }
  out.hi = hi;
  out.lo = lo;
  return out;
}

/** Orders tokens as Cassandra does (signed 64-bit). */
export function compareTokens(aHi: number, aLo: number, bHi: number, bLo: number): number {
  if (aHi !== bHi) return aHi < bHi ? -1 : 1;
  return aLo === bLo ? 0 : aLo < bLo ? -1 : 1;
}

export function tokenToBigInt(token: Token): bigint {
  return (BigInt(token.hi) << 32n) | BigInt(token.lo >>> 0);
}

export function tokenFromBigInt(value: bigint, out: Token = { hi: 0, lo: 0 }): Token {
  const v = BigInt.asIntN(64, value);
  out.hi = Number(v >> 32n);
  out.lo = Number(v & 0xffffffffn);
  return out;
}

/** Convenience for tests and tools; the hot path uses `murmur3Token` with a reused `Token`. */
export function tokenOf(key: Uint8Array): bigint {
  return tokenToBigInt(murmur3Token(key, { hi: 0, lo: 0 }));
}
