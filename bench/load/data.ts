/**
 * The data of the bulk-load benchmark: one table and a CSV file made for it.
 *
 * The table looks like an export of order events: eight columns of seven CQL types, keyed by
 * a customer. Most partitions hold one row, some a few (75 % one row, 15 % two, 7 % three,
 * 3 % four to eight: about 1.4 rows per partition), which is what bulk loads of entity tables
 * look like; one partition's rows are adjacent, as in an export read in key order. Text has
 * commas, quotes and non-ASCII characters, so both loaders parse quoted UTF-8 fields, and 4 %
 * of `country` is empty, which both loaders write as null.
 *
 * The file is a pure function of the row count and `SEED`: generated once into
 * `.sluice/bench/`, under a name that carries `FORMAT_VERSION`, and reused by later runs.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Random } from '../../cli/bench/random.ts';

/** Bump when the generator changes, so an old file is not taken for the new one. */
const FORMAT_VERSION = 1;
const SEED = 0x5eed_10ad;

export const TABLE_NAME = 'events';

export const COLUMNS = [
  'user_id',
  'event_id',
  'created_at',
  'name',
  'country',
  'amount',
  'quantity',
  'is_active',
] as const;

export function createTableCql(keyspace: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${keyspace}.${TABLE_NAME} (` +
    'user_id bigint, event_id uuid, created_at timestamp, name text, country text, ' +
    'amount double, quantity int, is_active boolean, PRIMARY KEY ((user_id), event_id))'
  );
}

const WORDS = [
  'coffee',
  'grinder',
  'blue',
  'kettle',
  'Müller',
  'café',
  'steel',
  'large',
  'gift',
  'card',
  'São Paulo',
  '東京',
  'refill',
  'pack',
  'deluxe',
  'mini',
  'set, 3 pcs',
  '12" frame',
  'organic',
  'tea',
];
const COUNTRIES = ['US', 'DE', 'FR', 'BR', 'JP', 'GB', 'IN', 'CA', 'ES', 'IT', 'NL', 'SE'];
const START_MS = Date.UTC(2025, 0, 1);
/** The smallest user id needs 41 bits: a bigint column with values a 32-bit int cannot hold. */
const FIRST_USER_ID = 1_099_511_627_776;

/**
 * The keys of `count` partitions spread over the file (not all exist in a small file): their
 * rows as read back must be the same whichever loader wrote them.
 */
export function sampleUserIds(rows: number, count = 64): number[] {
  // About 1.44 rows per partition: stay inside the partitions the file holds.
  const step = Math.max(1, Math.floor(rows / 1.5 / count));
  return Array.from({ length: count }, (_, i) => FIRST_USER_ID + i * step * 9_973);
}

function partitionSize(random: Random): number {
  const p = random.next();
  if (p < 0.75) return 1;
  if (p < 0.9) return 2;
  if (p < 0.97) return 3;
  return 4 + random.below(5);
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function uuidV4(random: Random): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += random.nextUint32().toString(16).padStart(8, '0');
  // Version 4 and the RFC 4122 variant, as `crypto.randomUUID()` would write them.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return (
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-` +
    `${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  );
}

function productName(random: Random): string {
  const words = 2 + random.below(3);
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(WORDS[random.below(WORDS.length)]!);
  return parts.join(' ');
}

/** The CSV lines of `rows` rows, header first, in chunks of about `linesPerChunk` lines. */
export function* csvChunks(rows: number, linesPerChunk = 10_000): Generator<string> {
  const random = new Random(SEED);
  let chunk = `${COLUMNS.join(',')}\n`;
  let lines = 0;
  let row = 0;
  for (let partition = 0; row < rows; partition++) {
    const userId = FIRST_USER_ID + partition * 9_973;
    const firstMs = START_MS + partition * 30_000;
    const size = Math.min(partitionSize(random), rows - row);
    for (let k = 0; k < size; k++, row++) {
      const createdAt = new Date(firstMs + k * 60_000 + random.below(60_000)).toISOString();
      const country = random.next() < 0.04 ? '' : COUNTRIES[random.below(COUNTRIES.length)]!;
      const amount = ((random.below(5_000_000) - 100_000) / 100).toFixed(2);
      const quantity = random.next() < 0.05 ? -1 - random.below(3) : 1 + random.below(20);
      const isActive = random.next() < 0.8 ? 'true' : 'false';
      chunk +=
        `${userId},${uuidV4(random)},${createdAt},${csvField(productName(random))},` +
        `${country},${amount},${quantity},${isActive}\n`;
      if (++lines === linesPerChunk) {
        yield chunk;
        chunk = '';
        lines = 0;
      }
    }
  }
  if (chunk !== '') yield chunk;
}

/** The path of the file for `rows` rows under `dir`: generated unless already there. */
export async function ensureCsv(
  dir: string,
  rows: number,
): Promise<{ path: string; bytes: number; isNew: boolean }> {
  const path = join(dir, `load-v${FORMAT_VERSION}-${rows}.csv`);
  try {
    return { path, bytes: (await stat(path)).size, isNew: false };
  } catch {
    // Not generated yet.
  }
  await mkdir(dir, { recursive: true });
  // Written under another name and renamed at the end, so a file at `path` is always whole.
  const partial = `${path}.${process.pid}.partial`;
  const out = createWriteStream(partial);
  for (const chunk of csvChunks(rows)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await rename(partial, path);
  return { path, bytes: (await stat(path)).size, isNew: true };
}
