/**
 * Micro-benchmark of the record codecs on 5-column rows of about 60 bytes, encoded into and
 * decoded from a SharedArrayBuffer segment as the channel does.
 *
 * Baseline (same run, same rows): JSON.stringify + Buffer#write, Buffer#toString + JSON.parse.
 * Also compares the generated row codec with its interpreted form, which is the evidence for
 * generating code with `new Function`.
 *
 *   npx tsx bench/codec.ts [--rows 200000] [--json]
 */

import { Command } from 'commander';
import { Random } from '../cli/bench/random.ts';
import { createGeneralCodec } from '../runtime/codec/general.ts';
import { createRowCodec } from '../runtime/codec/row.ts';
import type { Codec, ColumnSpec } from '../runtime/codec/types.ts';

const program = new Command()
  .option('--rows <n>', 'rows per measured pass', (v) => Number.parseInt(v, 10), 200_000)
  .option('--json', 'print the figures as one JSON object on the last line')
  .parse();
const options = program.opts<{ rows: number; json?: boolean }>();

const columns: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'user', type: 'text' },
  { name: 'city', type: 'text' },
  { name: 'score', type: 'double' },
  { name: 'at', type: 'timestamp' },
];

const random = new Random(42);
const letters = 'abcdefghijklmnopqrstuvwxyz';
function word(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += letters[random.nextUint32() % 26];
  return s;
}
const DISTINCT = 1024;
const rows = Array.from({ length: DISTINCT }, (_, i) => ({
  id: BigInt(1_000_000_000 + i),
  user: `user_${word(10)}`,
  city: word(8 + (i % 5)),
  score: random.next() * 1000,
  at: new Date(1_700_000_000_000 + i * 1000),
}));
// JSON cannot carry bigint or Date: the baseline gets the nearest JSON-able row.
const jsonRows = rows.map((r) => ({ ...r, id: Number(r.id), at: r.at.getTime() }));

const SEGMENT = 32 * 1024;
const segment = new Uint8Array(new SharedArrayBuffer(SEGMENT));
const segmentBuffer = Buffer.from(segment.buffer);

interface Candidate {
  name: string;
  /** Encodes `count` rows, wrapping to the segment start when full; returns the bytes written. */
  encode(count: number): number;
  /** Fills the segment once, then decodes its rows `count` times over. */
  prepareDecode(): void;
  decode(count: number): number;
}

function codecCandidate(
  name: string,
  makeCodec: () => Codec<unknown>,
  source: unknown[],
): Candidate {
  const codec = makeCodec();
  const starts: number[] = [];
  const lengths: number[] = [];
  let decoder = codec;
  return {
    name,
    encode(count) {
      let p = 0;
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const row = source[i & (DISTINCT - 1)];
        let next = codec.encode(row, segment, p, SEGMENT);
        if (next < 0) {
          p = 0;
          next = codec.encode(row, segment, p, SEGMENT);
        }
        bytes += next - p;
        p = next;
      }
      return bytes;
    },
    prepareDecode() {
      // A fresh encoder, so that a stateful codec's segment is decodable from its start.
      const encoder = makeCodec();
      starts.length = 0;
      lengths.length = 0;
      let p = 0;
      for (let i = 0; ; i++) {
        const next = encoder.encode(source[i & (DISTINCT - 1)], segment, p, SEGMENT);
        if (next < 0) break;
        starts.push(p);
        lengths.push(next - p);
        p = next;
      }
    },
    decode(count) {
      let fields = 0;
      const n = starts.length;
      for (let i = 0; i < count; i++) {
        const k = i % n;
        // Each lap replays the segment from its start, as a fresh decoder would see it.
        if (k === 0) decoder = makeCodec();
        const row = decoder.decode(segment, starts[k]!, lengths[k]!) as Record<string, unknown>;
        fields += row.user === undefined ? 0 : 1;
      }
      return fields;
    },
  };
}

function jsonCandidate(): Candidate {
  const starts: number[] = [];
  const lengths: number[] = [];
  return {
    name: 'JSON + Buffer',
    encode(count) {
      let p = 0;
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const text = JSON.stringify(jsonRows[i & (DISTINCT - 1)]);
        // Worst case 3 bytes per UTF-16 unit, the same fit test a codec must make.
        if (p + text.length * 3 > SEGMENT) p = 0;
        const n = segmentBuffer.write(text, p, 'utf8');
        bytes += n;
        p += n;
      }
      return bytes;
    },
    prepareDecode() {
      starts.length = 0;
      lengths.length = 0;
      let p = 0;
      for (let i = 0; ; i++) {
        const text = JSON.stringify(jsonRows[i & (DISTINCT - 1)]);
        if (p + text.length * 3 > SEGMENT) break;
        const n = segmentBuffer.write(text, p, 'utf8');
        starts.push(p);
        lengths.push(n);
        p += n;
      }
    },
    decode(count) {
      let fields = 0;
      const n = starts.length;
      for (let i = 0; i < count; i++) {
        const k = i % n;
        const row = JSON.parse(
          segmentBuffer.toString('utf8', starts[k]!, starts[k]! + lengths[k]!),
        );
        fields += row.user === undefined ? 0 : 1;
      }
      return fields;
    },
  };
}

function rate(count: number, run: (count: number) => number): number {
  run(Math.min(count, 20_000)); // warm up the optimizing compiler
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    run(count);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, count / seconds);
  }
  return best;
}

const candidates: Candidate[] = [
  jsonCandidate(),
  codecCandidate('row (generated)', () => createRowCodec(columns) as Codec<unknown>, rows),
  codecCandidate(
    'row (interpreted)',
    () => createRowCodec(columns, { compile: false }) as Codec<unknown>,
    rows,
  ),
  codecCandidate('general (msgpackr)', createGeneralCodec, rows),
];

const results: Record<string, { encodePerSec: number; decodePerSec: number; bytesPerRow: number }> =
  {};
for (const c of candidates) {
  const bytesPerRow = c.encode(DISTINCT) / DISTINCT;
  const encodePerSec = rate(options.rows, (n) => c.encode(n));
  c.prepareDecode();
  const decodePerSec = rate(options.rows, (n) => c.decode(n));
  results[c.name] = { encodePerSec, decodePerSec, bytesPerRow };
}

const baseline = results['JSON + Buffer']!;
const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M/s`;
console.log(
  `codec micro-benchmark, ${options.rows} rows per pass, best of 3, node ${process.version}`,
);
console.log('codec                  bytes/row   encode       (x JSON)   decode       (x JSON)');
const ratios: Record<string, { encode: number; decode: number }> = {};
for (const [name, r] of Object.entries(results)) {
  const encode = r.encodePerSec / baseline.encodePerSec;
  const decode = r.decodePerSec / baseline.decodePerSec;
  ratios[name] = { encode, decode };
  console.log(
    `${name.padEnd(22)} ${r.bytesPerRow.toFixed(1).padStart(9)}   ${fmt(r.encodePerSec).padEnd(12)} ${encode.toFixed(2).padStart(6)}x    ${fmt(r.decodePerSec).padEnd(12)} ${decode.toFixed(2).padStart(6)}x`,
  );
}
if (options.json)
  console.log(JSON.stringify({ bench: 'codec', rows: options.rows, results, ratios }));
