/**
 * How n readers share a list of files: the files are laid end to end and cut into n equal
 * byte ranges, so one big file is split across every reader and many small files are spread
 * over them. A record belongs to the range that holds its first byte; each reader finds the
 * first record start in its range by itself (see `quote-scanner.ts`) and reads on to the first
 * record that starts past its end. The ranges are disjoint and cover every byte, so every
 * record is read exactly once, provided every reader sees the same file sizes: files must not
 * change while a job reads them.
 */

import { type FileHandle, open } from 'node:fs/promises';
import { ConnectorError } from '../../runtime/errors.ts';
import type { ChunkSource } from './record-slicer.ts';

export interface FilePiece {
  path: string;
  /** This reader owns the records starting in [start, end) of the file. */
  start: number;
  end: number;
  /** Read whole, from 0 to its end, by this reader alone: a gzip file, or every file with `isWholeFiles`. */
  isWhole: boolean;
  isGzip: boolean;
}

/**
 * Instance `instance`'s pieces. Plain files are cut by byte range as the header says; a gzip
 * file cannot be entered mid-stream, so each goes whole to one instance: the largest first,
 * each to the instance with the fewest gzip bytes so far (ties to the lowest index), which
 * every instance computes alike.
 */
export function piecesFor(
  files: ReadonlyArray<{ path: string; size: number; isGzip?: boolean }>,
  instance: number,
  parallelism: number,
  isWholeFiles = false,
): FilePiece[] {
  const isWhole = (f: { isGzip?: boolean }) => isWholeFiles || f.isGzip === true;
  const plain = files.filter((f) => !isWhole(f));
  const total = plain.reduce((sum, f) => sum + f.size, 0);
  const lo = Math.floor((instance * total) / parallelism);
  const hi = Math.floor(((instance + 1) * total) / parallelism);
  const pieces: FilePiece[] = [];
  let offset = 0;
  for (const { path, size } of plain) {
    const start = Math.max(lo, offset) - offset;
    const end = Math.min(hi, offset + size) - offset;
    if (start < end) pieces.push({ path, start, end, isWhole: false, isGzip: false });
    offset += size;
  }
  const whole = files
    .map((file, index) => ({ file, index }))
    .filter(({ file }) => isWhole(file))
    .sort((a, b) => b.file.size - a.file.size || a.index - b.index);
  const load = new Array<number>(parallelism).fill(0);
  const mine: Array<{ index: number; path: string; size: number; isGzip: boolean }> = [];
  for (const { file, index } of whole) {
    const owner = load.indexOf(Math.min(...load));
    load[owner]! += Math.max(1, file.size);
    if (owner === instance) {
      mine.push({ index, path: file.path, size: file.size, isGzip: file.isGzip === true });
    }
  }
  // In input order, so a reader's rows follow the order the user named the files in.
  for (const { path, size, isGzip } of mine.sort((a, b) => a.index - b.index)) {
    pieces.push({ path, start: 0, end: size, isWhole: true, isGzip });
  }
  return pieces;
}

/**
 * Reads a file front to back in chunks; each chunk is a fresh buffer the caller may keep.
 * The next chunk is read while the caller parses this one, so the disk and the thread pool
 * work in parallel with the parser.
 */
export class FileChunks implements ChunkSource {
  /** Bytes per read: large while skipping to a range, smaller while parsing so each batch stays short. */
  chunkBytes: number;
  private position: number;
  private handle: FileHandle | undefined;
  private ahead: Promise<Uint8Array | null> | undefined;
  private isClosed = false;
  private readonly path: string;
  private readonly where: string;
  private readonly signal: AbortSignal | undefined;

  constructor(path: string, chunkBytes: number, where: string, signal?: AbortSignal, position = 0) {
    this.position = position;
    this.path = path;
    this.chunkBytes = chunkBytes;
    this.where = where;
    this.signal = signal;
  }

  async read(): Promise<Uint8Array | null> {
    this.signal?.throwIfAborted();
    const chunk = await (this.ahead ?? this.readAt());
    this.ahead = chunk === null || this.isClosed ? undefined : this.readAt();
    // Its failure surfaces at the next read; until then it must not count as unhandled.
    this.ahead?.catch(() => undefined);
    return chunk;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    await this.ahead?.catch(() => undefined);
    this.ahead = undefined;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async readAt(): Promise<Uint8Array | null> {
    try {
      this.handle ??= await open(this.path, 'r');
      const buf = Buffer.allocUnsafe(this.chunkBytes);
      // One read at a time (the next starts once this one is taken), so the position is exact.
      const { bytesRead } = await this.handle.read(buf, 0, buf.length, this.position);
      this.position += bytesRead;
      return bytesRead === 0 ? null : buf.subarray(0, bytesRead);
    } catch (error) {
      throw new ConnectorError(
        `${this.where}: cannot read ${this.path}: ${(error as Error).message}`,
        {
          cause: error,
          details: { path: this.path },
        },
      );
    }
  }
}

/** Line breaks in the first `end` bytes of a file: only computed when an error needs a line. */
export async function countFileNewlines(path: string, end: number): Promise<number> {
  const chunks = new FileChunks(path, 1 << 20, path);
  let newlines = 0;
  let seen = 0;
  try {
    for (let chunk = await chunks.read(); chunk && seen < end; chunk = await chunks.read()) {
      const part = chunk.subarray(0, Math.min(chunk.length, end - seen));
      for (let i = part.indexOf(0x0a); i >= 0; i = part.indexOf(0x0a, i + 1)) newlines++;
      seen += part.length;
    }
  } finally {
    await chunks.close();
  }
  return newlines;
}
