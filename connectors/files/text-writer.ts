/**
 * Buffered text output with backpressure, for the file and stdout sinks. Lines gather in
 * memory and go out in chunks of about 64 KiB, one write at a time; `write` asks the caller
 * to wait only when 1 MiB is pending, so the hot path allocates no promise.
 */

import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { ConnectorError } from '../../runtime/errors.ts';
import type { SinkWriter } from '../../runtime/graph/connector.ts';

/** Where the bytes go: a file or a stream. */
export interface ByteSink {
  write(chunk: Buffer): Promise<void>;
  /** Make what was written durable (fsync for a file). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const CHUNK_BYTES = 64 << 10;
const HIGH_WATER_BYTES = 1 << 20;

export class TextWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private readonly sink: ByteSink;
  private readonly where: string;
  bytesWritten = 0;

  constructor(sink: ByteSink, where: string) {
    this.sink = sink;
    this.where = where;
  }

  /** `text` is appended; returns a promise when the caller must wait before writing more. */
  append(text: string): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.pending.push(text);
    // Length in UTF-16 units: a cheap estimate, good enough to size chunks.
    this.pendingBytes += text.length;
    if (this.pendingBytes < CHUNK_BYTES) return undefined;
    const writing = this.startDrain();
    return this.pendingBytes >= HIGH_WATER_BYTES ? writing : undefined;
  }

  /** Everything appended so far is written, and synced when `sync` is true. */
  async flush(sync: boolean): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    await this.startDrain();
    if (sync) await this.guard(() => this.sink.sync());
  }

  async close(): Promise<void> {
    await this.writing?.catch(() => undefined);
    await this.sink.close();
  }

  /** One drain at a time; it also takes whatever is appended while it writes. */
  private startDrain(): Promise<void> {
    if (this.writing === undefined) {
      // `finally` runs after the assignment even when the drain has nothing to do.
      const writing = this.drain().finally(() => {
        this.writing = undefined;
      });
      // A failure is kept in `failure` and thrown by the next call: nobody may await this one.
      writing.catch(() => undefined);
      this.writing = writing;
    }
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const chunk = Buffer.from(this.pending.join(''), 'utf8');
      this.pending = [];
      this.pendingBytes = 0;
      await this.guard(() => this.sink.write(chunk));
      this.bytesWritten += chunk.length;
    }
  }

  private async guard(io: () => Promise<void>): Promise<void> {
    try {
      await io();
    } catch (error) {
      this.failure = new ConnectorError(`${this.where}: ${(error as Error).message}`, {
        cause: error,
      });
      throw this.failure;
    }
  }
}

export async function fileByteSink(path: string, where: string): Promise<ByteSink> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'w');
  } catch (error) {
    throw new ConnectorError(`${where}: cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  }
  return {
    async write(chunk) {
      await handle.write(chunk);
    },
    sync: () => handle.datasync(),
    close: () => handle.close(),
  };
}

/** A stream (stdout) is not ours to close; `sync` only waits for the stream to take the bytes. */
export function streamByteSink(stream: Writable): ByteSink {
  return {
    write: (chunk) =>
      new Promise((resolve, reject) => {
        stream.write(chunk, (error) => (error ? reject(error) : resolve()));
      }),
    sync: async () => undefined,
    close: async () => undefined,
  };
}

/** A sink writer that writes one text per record. */
export function lineWriter<T>(
  out: TextWriter,
  format: (record: T) => string,
  preamble: string,
  info: Record<string, unknown>,
): SinkWriter<T> {
  let records = 0;
  if (preamble !== '') out.append(preamble);
  return {
    write(record) {
      const text = format(record);
      records++;
      return out.append(text);
    },
    async flush() {
      await out.flush(true);
    },
    close: () => out.close(),
    result: () => ({ ...info, records }),
    stats: () => ({ records, bytesWritten: out.bytesWritten }),
  };
}
