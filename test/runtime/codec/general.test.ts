import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../../../runtime/codec/create.ts';
import { createGeneralCodec } from '../../../runtime/codec/general.ts';
import { CodecError } from '../../../runtime/errors.ts';
import { anyText, SEED, sharedSegment } from './arbitraries.ts';
import { canon } from './canon.ts';

const leaf = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, 0, Number.NaN, Infinity, -Infinity, null, undefined, ''),
  anyText,
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.bigInt({ min: -(2n ** 900n), max: 2n ** 900n }),
  fc.date(),
  fc.constant(new Date(Number.NaN)),
  fc.uint8Array({ maxLength: 80 }),
  fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b)),
);

/** Structured-clonable values: fc.anything's shapes with our leaves. */
const value = fc.anything({
  values: [leaf],
  key: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b', 'id', 'name')),
  maxDepth: 3,
  maxKeys: 6,
  withMap: true,
  withSet: true,
  withTypedArray: true,
});

/** The channel's behaviour: fill a segment, publish it when a record does not fit. */
function stream(values: unknown[], segmentSize: number): unknown[] {
  const encoder = createGeneralCodec();
  const decoder = createGeneralCodec();
  const decoded: unknown[] = [];
  let segment = sharedSegment(segmentSize);
  let spans: Array<[number, number]> = [];
  let p = 0;
  const publish = (buf: Uint8Array) => {
    for (const [offset, length] of spans) decoded.push(decoder.decode(buf, offset, length));
    spans = [];
    p = 0;
  };
  for (const v of values) {
    let next = encoder.encode(v, segment, p, segment.length);
    if (next < 0 && p > 0) {
      publish(segment);
      segment = sharedSegment(segmentSize);
      next = encoder.encode(v, segment, 0, segment.length);
    }
    if (next < 0) {
      // Larger than a segment: the channel encodes it into a buffer of maxRecordSize.
      const big = sharedSegment(1 << 22);
      next = encoder.encode(v, big, 0, big.length);
      expect(next).toBeGreaterThan(0);
      spans.push([0, next]);
      publish(big);
      continue;
    }
    spans.push([p, next - p]);
    p = next;
  }
  publish(segment);
  return decoded;
}

describe('general codec', () => {
  it('compares with a checker that tells -0 from 0 and NaN dates apart', () => {
    expect(canon([-0])).not.toBe(canon([0]));
    expect(canon({ a: undefined })).not.toBe(canon({}));
    expect(canon(new Date(Number.NaN))).toBe(canon(new Date(Number.NaN)));
    expect(canon(Buffer.from([1]))).not.toBe(canon(new Uint8Array([1])));
  });

  it('round-trips structured-clonable values in order across segments of any size', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 8, max: 2048 }),
        (values, segmentSize) => {
          const decoded = stream(values, segmentSize);
          expect(decoded.map((v) => canon(v))).toEqual(values.map((v) => canon(v, true)));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('keeps shapes in step beyond msgpackr’s 64 own structures', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.integer(), { maxKeys: 4 }),
          { minLength: 100, maxLength: 300 },
        ),
        fc.integer({ min: 16, max: 512 }),
        (values, segmentSize) => {
          const decoded = stream(values, segmentSize);
          expect(decoded.map((v) => canon(v))).toEqual(values.map((v) => canon(v, true)));
        },
      ),
      { seed: SEED, numRuns: 30 },
    );
  });

  it('round-trips the listed edge cases exactly', () => {
    const values = [
      -0,
      Number.NaN,
      [-0, Number.NaN, undefined, null, ''],
      { a: undefined, b: -0, c: { d: [] }, e: {} },
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 64n - 1n,
      -(2n ** 200n) - 7n,
      new Date(8.64e15),
      new Date(-8.64e15),
      new Date(Number.NaN),
      new Uint8Array(0),
      Buffer.from('buffer'),
      '\u{1F600}\u{10FFFF}',
      'lone \ud800 surrogate',
      new Map<unknown, unknown>([
        ['k', -0],
        [1n, new Set([-0, 'x'])],
      ]),
      new Set(),
      [],
      undefined,
      null,
      // Larger than the decoder's scratch, and than what it keeps between records.
      new Uint8Array(100_000).fill(7),
      { long: 'y'.repeat(2_000_000) },
      { small: 'after' },
    ];
    const decoded = stream(values, 4096);
    expect(decoded.map((v) => canon(v))).toEqual(values.map((v) => canon(v, true)));
    // Decoded bytes are fresh memory, not views into the shared segment.
    const bytes = decoded[12] as Uint8Array;
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Object.is((decoded[3] as { b: number }).b, -0)).toBe(true);
  });

  it('returns -1 for every end short of the encoding and never writes at or past end', () => {
    fc.assert(
      fc.property(value, fc.nat(16), (v, offset) => {
        const probe = createGeneralCodec();
        const full = sharedSegment(1 << 16);
        const length = probe.encode(v, full, offset, full.length) - offset;
        const encoder = createGeneralCodec();
        const buf = sharedSegment(offset + length + 16);
        for (let end = offset; end < offset + length; end++) {
          buf.fill(0xa5, end);
          expect(encoder.encode(v, buf, offset, end)).toBe(-1);
          expect(buf.subarray(end).every((b) => b === 0xa5)).toBe(true);
        }
        expect(encoder.encode(v, buf, offset, offset + length)).toBe(offset + length);
        expect(buf.subarray(offset, offset + length)).toEqual(
          full.subarray(offset, offset + length),
        );
        expect(canon(createGeneralCodec().decode(buf, offset, length))).toBe(canon(v, true));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('stays decodable when a different value follows a -1', () => {
    const encoder = createGeneralCodec();
    const decoder = createGeneralCodec();
    const buf = sharedSegment(1024);
    const a = { shapeA: 1, more: 'a' };
    expect(encoder.encode(a, buf, 0, 3)).toBe(-1);
    // Contract violation by the caller: the pending bytes (with A's shape definition) are dropped.
    let p = encoder.encode({ shapeB: 2 }, buf, 0, buf.length);
    const spans: Array<[number, number]> = [[0, p]];
    for (const v of [a, { shapeA: 3, more: 'b' }]) {
      const next = encoder.encode(v, buf, p, buf.length);
      spans.push([p, next - p]);
      p = next;
    }
    expect(spans.map(([o, l]) => decoder.decode(buf, o, l))).toEqual([
      { shapeB: 2 },
      a,
      { shapeA: 3, more: 'b' },
    ]);
  });

  it('stays decodable after an encode throws halfway through a new shape', () => {
    const encoder = createGeneralCodec();
    const decoder = createGeneralCodec();
    const buf = sharedSegment(1024).fill(0xa5);
    expect(() => encoder.encode({ outer: { f() {} } }, buf, 0, buf.length)).toThrow(
      /general codec cannot encode a function \(function f\)/,
    );
    expect(buf.every((b) => b === 0xa5)).toBe(true);
    const values = [{ outer: 1 }, { outer: { g: 2 } }];
    let p = 0;
    const decoded = values.map((v) => {
      const next = encoder.encode(v, buf, p, buf.length);
      const out = decoder.decode(buf, p, next - p);
      p = next;
      return out;
    });
    expect(decoded).toEqual(values);
  });

  it('rejects what it cannot represent with CodecError', () => {
    const codec = createCodec({ kind: 'general' });
    const buf = sharedSegment(256);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [v, message] of [
      [Symbol('s'), /cannot encode symbol/],
      [() => 1, /cannot encode a function/],
      [cyclic, /nested too deeply or cyclic/],
    ] as const) {
      expect(() => codec.encode(v, buf, 0, buf.length)).toThrow(message);
      expect(() => codec.encode(v, buf, 0, buf.length)).toThrow(CodecError);
    }
    // An array header promising two elements, followed by one.
    expect(() => codec.decode(new Uint8Array([0x92, 0x01]), 0, 2)).toThrow(
      /general codec could not decode a 2-byte record/,
    );
  });
});
