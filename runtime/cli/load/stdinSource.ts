/**
 * `-url -`: the load reads the process's standard input from a worker thread.
 *
 * A worker's `process.stdin` is empty, but worker threads share the process's file
 * descriptors, so the one source instance reads descriptor 0 itself; the main thread never
 * touches `process.stdin`, so no byte is taken twice. The first bytes decide whether the
 * stream is gzip. Rows are tagged "<stdin>:line", as file rows are tagged "file:line".
 *
 * A pipe or a terminal is read through libuv's non-blocking handles, never with fs reads:
 * an fs read of a pipe blocks a thread-pool thread until data comes, and a worker cannot
 * exit while one of its reads is pending, so a cancelled load waiting on an idle pipe would
 * never end. Only a regular file (`< data.csv`) is read with fs.
 */

import { createReadStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { isatty, ReadStream } from 'node:tty';
import type { CsvFormat, Row } from '../../../connectors/files/csvFormat.ts';
import { csvRange, generatorReader } from '../../../connectors/files/csvSource.ts';
import { maybeGunzip } from '../../../connectors/files/inputs.ts';
import { jsonlRange } from '../../../connectors/files/jsonlSource.ts';
import type { ChunkSource } from '../../../connectors/files/recordSlicer.ts';
import { ConfigError } from '../../errors.ts';
import type { InstanceContext, Source, SourceReader } from '../../graph/connector.ts';

export const STDIN_NAME = '<stdin>';

export type StdinFormat =
  | { kind: 'csv'; format: CsvFormat }
  | { kind: 'jsonl'; maxRecordBytes: number };

export function stdinSource(format: StdinFormat, sourceField: string, fd = 0): Source<Row> {
  return {
    name: `stdin(${format.kind})`,
    maxParallelism: 1,
    open(ctx: InstanceContext): SourceReader<Row> {
      if (ctx.parallelism !== 1) {
        throw new ConfigError(`stdin runs as one instance, not ${ctx.parallelism}`);
      }
      const { stream, release } = openDescriptor(fd);
      const chunks = maybeGunzip(streamChunks(stream, ctx.signal), STDIN_NAME);
      const batches =
        format.kind === 'csv'
          ? csvRange(format.format, chunks, 0, Infinity, STDIN_NAME, undefined, sourceField)
          : jsonlRange<Row>(
              chunks,
              0,
              0,
              Infinity,
              format.maxRecordBytes,
              STDIN_NAME,
              undefined,
              sourceField,
            );
      const reader = generatorReader(batches);
      return {
        next: () => reader.next(),
        async close() {
          await reader.close();
          release();
        },
      };
    },
  };
}

/** A stream over the descriptor, and how to stop it: a pipe must be closed to end its read. */
function openDescriptor(fd: number): { stream: Readable; release: () => void } {
  const info = fstatSync(fd);
  if (info.isFIFO() || info.isSocket() || isatty(fd)) {
    const stream = isatty(fd)
      ? new ReadStream(fd)
      : new Socket({ fd, readable: true, writable: false });
    return { stream, release: () => stream.destroy() };
  }
  // A regular file: reads never wait for data, and the descriptor stays open for its owner.
  const stream = createReadStream('', { fd, autoClose: false, highWaterMark: 64 << 10 });
  return { stream, release: () => stream.pause() };
}

/** Chunks of a stream; a cancelled job stops waiting for input that may never come. */
function streamChunks(stream: Readable, signal: AbortSignal): ChunkSource {
  const iterator = stream[Symbol.asyncIterator]();
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  return {
    async read() {
      const step = await Promise.race([iterator.next(), aborted]);
      if (step.done) return null;
      const chunk = step.value as Buffer | string;
      return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    },
  };
}
