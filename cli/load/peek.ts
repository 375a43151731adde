/**
 * A look at the start of the inputs, on the main thread, before the job runs: how many
 * fields a headerless CSV has (to name them by position), and roughly how many rows the
 * inputs hold (for the progress bar's ETA).
 *
 * The runtime reports rows read, not bytes read, so the ETA compares rows with an estimate:
 * the bytes of each file (for gzip, the uncompressed size its trailer records) divided by
 * the mean line length in 256 KiB sampled across it. Lines whose length varies between the
 * samples, or a CSV with many quoted line breaks, make the estimate off; the bar says "≈".
 */

import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { InputFile } from '../../connectors/files/inputs.ts';
import { ConnectorError } from '../../runtime/errors.ts';

const SAMPLE_BYTES = 256 << 10;
const SAMPLE_WINDOWS = 16;
const SAMPLED_FILES = 32;

async function readHead(file: InputFile, bytes: number): Promise<Buffer> {
  const handle = await open(file.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(bytes, file.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (!file.isGzip) return head;
    // A prefix of a gzip stream inflates as far as it goes; the missing end is expected.
    return gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  } finally {
    await handle.close();
  }
}

/** The uncompressed size a gzip file's last member records (modulo 4 GiB). */
async function gzipSize(file: InputFile): Promise<number | undefined> {
  if (file.size < 18) return undefined;
  const handle = await open(file.path, 'r');
  try {
    const tail = Buffer.alloc(4);
    await handle.read(tail, 0, 4, file.size - 4);
    const size = tail.readUInt32LE(0);
    // Past 4 GiB the field wraps: a size far below the compressed size is surely wrapped
    // (gzip adds at most 5 bytes per 16 KiB block, plus its header and trailer, to stored data).
    return size >= file.size * 0.99 - 64 ? size : undefined;
  } finally {
    await handle.close();
  }
}

export interface RowEstimate {
  rows: number;
  /** Uncompressed bytes the estimate covers. */
  bytes: number;
}

/**
 * Estimated data rows of all files; `headerLines` are subtracted per file. A plain file is
 * sampled in windows spread evenly over it (ids and timestamps grow along a file, and so do
 * its lines); a gzip file only at its start, since it cannot be entered elsewhere. Of many
 * files, up to `SAMPLED_FILES` spread over the list are sampled, and their mean line length
 * stands for the rest.
 */
export async function estimateRows(
  files: readonly InputFile[],
  headerLines: number,
): Promise<RowEstimate> {
  const step = Math.max(1, files.length / SAMPLED_FILES);
  const sampledFiles = new Set<InputFile>();
  for (let i = 0; i < files.length; i += step) sampledFiles.add(files[Math.floor(i)]!);
  let rows = 0;
  let bytes = 0;
  let sampledBytes = 0;
  let sampledLines = 0;
  let unsampledBytes = 0;
  let unsampledFiles = 0;
  for (const file of files) {
    const size = file.isGzip ? await gzipSize(file) : file.size;
    if (!sampledFiles.has(file)) {
      // A gzip trailer that wrapped past 4 GiB: assume the usual 4:1 ratio of text.
      unsampledBytes += size ?? file.size * 4;
      unsampledFiles++;
      continue;
    }
    const samples = file.isGzip
      ? [await readHead(file, SAMPLE_BYTES)]
      : await readSamples(file, SAMPLE_WINDOWS, SAMPLE_BYTES / SAMPLE_WINDOWS);
    const sampled = samples.reduce((sum, b) => sum + b.length, 0);
    if (sampled === 0) continue;
    const lines = samples.reduce((sum, b) => sum + countNewlines(b), 0);
    // Without a trustworthy trailer, the head's compression ratio stands for the whole file.
    const fileBytes = size ?? Math.round(file.size * (sampled / Math.min(file.size, SAMPLE_BYTES)));
    rows += Math.max(0, Math.round(fileBytes / (sampled / Math.max(1, lines))) - headerLines);
    bytes += fileBytes;
    sampledBytes += sampled;
    sampledLines += lines;
  }
  if (unsampledFiles > 0 && sampledBytes > 0) {
    const meanLine = sampledBytes / Math.max(1, sampledLines);
    rows += Math.max(0, Math.round(unsampledBytes / meanLine) - headerLines * unsampledFiles);
    bytes += unsampledBytes;
  }
  return { rows, bytes };
}

function countNewlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** `windows` evenly spaced windows of a plain file: all of it when it is small. */
async function readSamples(file: InputFile, windows: number, window: number): Promise<Buffer[]> {
  if (file.size <= windows * window) return [await readHead(file, file.size)];
  const handle = await open(file.path, 'r');
  try {
    const step = (file.size - window) / (windows - 1);
    const at = Array.from({ length: windows }, (_, i) => Math.floor(i * step));
    return await Promise.all(
      at.map(async (position) => {
        const buf = Buffer.alloc(window);
        const { bytesRead } = await handle.read(buf, 0, window, position);
        return buf.subarray(0, bytesRead);
      }),
    );
  } finally {
    await handle.close();
  }
}

/** Fields of the first record of a CSV file, for `-header false`. */
export async function firstRecordWidth(file: InputFile, delimiter: string): Promise<number> {
  return (await firstRecord(file, delimiter)).length;
}

/** The first record of a CSV file (its header, when it has one), BOM removed. */
export async function firstRecord(
  file: InputFile,
  delimiter: string,
  headBytes = 1 << 20,
): Promise<string[]> {
  const head = await readHead(file, headBytes);
  try {
    const records = parse(head, {
      delimiter,
      to: 1,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
    return records[0] ?? [];
  } catch (error) {
    throw new ConnectorError(`${file.path}:1: ${(error as Error).message}`, {
      cause: error,
      details: { path: file.path, line: 1 },
    });
  }
}
