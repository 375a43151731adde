/**
 * The standard streams: `stdin({ format })` reads CSV or JSON Lines, `stdout({ format })` writes
 * them. There is one stdin and one stdout, so both run as a single instance.
 *
 * A worker's `process.stdin` is empty, but worker threads share the process's file
 * descriptors, so `stdin()` reads descriptor 0 itself, on whichever worker hosts it (the main
 * thread never touches `process.stdin`, so no byte is taken twice). A pipe or a terminal is
 * read through libuv's non-blocking handles, never with fs reads: an fs read of a pipe blocks
 * a thread-pool thread until data comes, and a worker cannot exit while one of its reads is
 * pending, so a cancelled job waiting on an idle pipe would never end. Only a regular file
 * (`< data.csv`) is read with fs. The first bytes decide whether the input is gzip.
 *
 * In a worker `process.stdout` is forwarded to the main thread, so `stdout()` output arrives
 * there in order.
 */

import { createReadStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { isatty, ReadStream } from 'node:tty';
import { ConfigError } from '../../runtime/errors.ts';
import type {
  InstanceContext,
  MalformedRecord,
  Sink,
  SinkWriter,
  Source,
  SourceReader,
} from '../../runtime/graph/connector.ts';
import { type CsvOptions, csvFormat, type OnMalformed, type Row } from './csv-format.ts';
import { type CsvFileOptions, CsvLineFormatter, csvLayout } from './csv-sink.ts';
import { csvRange, generatorReader } from './csv-source.ts';
import { maybeGunzip } from './inputs.ts';
import { jsonLine } from './jsonl-sink.ts';
import { jsonlRange } from './jsonl-source.ts';
import { checkObject, optionError, positiveInteger } from './options.ts';
import type { ChunkSource } from './record-slicer.ts';
import { lineWriter, streamByteSink, TextWriter } from './text-writer.ts';

/** Rows are tagged "<stdin>:line" in `sourceField`, as file rows are tagged "file:line". */
export const STDIN_NAME = '<stdin>';

interface StdinCommon {
  /** Read this stream instead of descriptor `fd`. */
  input?: Readable;
  /** The descriptor to read; default 0. */
  fd?: number;
  /** When set, each record gets this field holding "<stdin>:line". */
  sourceField?: string;
}

export type StdinOptions =
  | ({ format: 'csv' } & StdinCommon & CsvOptions)
  | ({ format: 'jsonl'; maxRecordBytes?: number } & StdinCommon);

export function stdin<T = Row>(options: StdinOptions): Source<T> {
  const checked = checkObject('stdin', options);
  const { format, input, fd, sourceField, ...rest } = checked;
  const name = `stdin(${String(format)})`;
  if (input !== undefined && !isReadable(input))
    throw optionError(name, 'input', 'a readable stream');
  if (fd !== undefined && !(typeof fd === 'number' && Number.isInteger(fd) && fd >= 0))
    throw optionError(name, 'fd', 'a file descriptor number');
  if (sourceField !== undefined && (typeof sourceField !== 'string' || sourceField === ''))
    throw optionError(name, 'sourceField', 'a field name');
  let open: (source: ChunkSource, onMalformed: OnMalformed | undefined) => AsyncGenerator<T[]>;
  if (format === 'csv') {
    const csvOptions = csvFormat(name, rest);
    open = (source, onMalformed) =>
      csvRange(
        csvOptions,
        source,
        0,
        Infinity,
        STDIN_NAME,
        undefined,
        sourceField,
        onMalformed,
      ) as AsyncGenerator<T[]>;
  } else if (format === 'jsonl') {
    if (Object.keys(rest).some((key) => key !== 'maxRecordBytes')) {
      throw new ConfigError(
        `${name}: jsonl takes no options but maxRecordBytes, input, fd and sourceField`,
      );
    }
    const max = positiveInteger(name, 'maxRecordBytes', rest.maxRecordBytes, 16 << 20);
    open = (source, onMalformed) =>
      jsonlRange<T>(source, 0, 0, Infinity, max, STDIN_NAME, undefined, sourceField, onMalformed);
  } else {
    throw optionError(name, 'format', "'csv' or 'jsonl'");
  }
  return {
    name,
    maxParallelism: 1,
    open(ctx: InstanceContext): SourceReader<T> {
      onlyOne(name, ctx);
      const { stream, release } =
        input === undefined
          ? openDescriptor((fd as number | undefined) ?? 0)
          : { stream: input as Readable, release: () => {} };
      const malformed: MalformedRecord[] | undefined = ctx.keepsMalformed ? [] : undefined;
      const onMalformed = malformed && ((record: MalformedRecord) => void malformed.push(record));
      const reader = generatorReader(
        open(maybeGunzip(streamChunks(stream, ctx.signal), STDIN_NAME), onMalformed),
        malformed,
      );
      let isStopped = false;
      let endRead: (() => void) | undefined;
      return {
        next() {
          if (isStopped) return Promise.resolve(null);
          return new Promise<T[] | null>((resolve, reject) => {
            endRead = () => resolve(null);
            reader.next().then(resolve, reject);
          }).finally(() => (endRead = undefined));
        },
        takeMalformed: reader.takeMalformed,
        // A drain: stdin may never send another byte, so the pending read ends now. Records
        // already handed out were whole; bytes of a record not yet complete are not read.
        stop() {
          isStopped = true;
          endRead?.();
        },
        async close() {
          // Release first: a read still pending on a pipe ends only when its stream closes, and
          // closing the record generator waits for that read.
          release();
          await reader.close().catch(() => {});
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

export type StdoutOptions =
  | { format: 'jsonl'; output?: Writable }
  | ({ format: 'csv'; output?: Writable } & CsvFileOptions);

export function stdout<T = Row>(options: StdoutOptions): Sink<T> {
  const checked = checkObject('stdout', options);
  const { format, output, ...rest } = checked;
  const name = `stdout(${String(format)})`;
  if (output !== undefined && !isWritable(output))
    throw optionError(name, 'output', 'a writable stream');
  let make: () => { format: (record: T) => string; preamble: string };
  if (format === 'csv') {
    const layout = csvLayout(name, rest);
    make = () => {
      const formatter = new CsvLineFormatter(layout, name);
      return { format: (record) => formatter.format(record), preamble: formatter.header() };
    };
  } else if (format === 'jsonl') {
    if (Object.keys(rest).length > 0)
      throw new ConfigError(`${name}: jsonl takes no options but output`);
    make = () => ({ format: jsonLine, preamble: '' });
  } else {
    throw optionError(name, 'format', "'csv' or 'jsonl'");
  }
  return {
    name,
    maxParallelism: 1,
    createWriter(ctx: InstanceContext): SinkWriter<T> {
      onlyOne(name, ctx);
      const { format: formatRecord, preamble } = make();
      const sink = streamByteSink((output as Writable | undefined) ?? process.stdout);
      return lineWriter(new TextWriter(sink, name), formatRecord, preamble, {});
    },
  };
}

function onlyOne(name: string, ctx: InstanceContext): void {
  if (ctx.parallelism !== 1) {
    throw new ConfigError(
      `${name}: runs as one instance (maxParallelism 1), not ${ctx.parallelism}`,
    );
  }
}

/**
 * Chunks of a stream; a cancelled job stops waiting for input that may never come. Each read
 * listens for the abort only while it waits: a race against one promise that lives as long as
 * the stream would keep every chunk read so far reachable from that promise.
 */
function streamChunks(stream: Readable, signal: AbortSignal): ChunkSource {
  const chunks = stream[Symbol.asyncIterator]();
  return {
    read() {
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<Buffer | null>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        chunks.next().then(
          (step) => {
            signal.removeEventListener('abort', onAbort);
            if (step.done) return resolve(null);
            const chunk = step.value as Buffer | string;
            resolve(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
    },
  };
}

function isReadable(value: unknown): boolean {
  return typeof (value as Readable | null)?.[Symbol.asyncIterator] === 'function';
}

function isWritable(value: unknown): boolean {
  return typeof (value as Writable | null)?.write === 'function';
}
