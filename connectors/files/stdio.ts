/**
 * The standard streams: `stdin({ format })` reads CSV or JSON Lines, `stdout({ format })` writes
 * them. There is one stdin and one stdout, so both run as a single instance.
 *
 * In a worker thread, `process.stdin` is empty and `process.stdout` is forwarded to the main
 * thread: the runtime must place these on the main thread, or pass `input`/`output` streams
 * it pipes itself.
 */

import type { Readable, Writable } from 'node:stream';
import { ConfigError } from '../../runtime/errors.ts';
import type {
  InstanceContext,
  Sink,
  SinkWriter,
  Source,
  SourceReader,
} from '../../runtime/graph/connector.ts';
import { type CsvOptions, csvFormat, type Row } from './csvFormat.ts';
import { type CsvFileOptions, CsvLineFormatter, csvLayout } from './csvSink.ts';
import { csvRange, generatorReader } from './csvSource.ts';
import { jsonLine } from './jsonlSink.ts';
import { jsonlRange } from './jsonlSource.ts';
import { checkObject, optionError, positiveInteger } from './options.ts';
import type { ChunkSource } from './recordSlicer.ts';
import { lineWriter, streamByteSink, TextWriter } from './textWriter.ts';

export type StdinOptions =
  | ({ format: 'csv'; input?: Readable } & CsvOptions)
  | { format: 'jsonl'; input?: Readable; maxRecordBytes?: number };

export function stdin<T = Row>(options: StdinOptions): Source<T> {
  const checked = checkObject('stdin', options);
  const { format, input, ...rest } = checked;
  const name = `stdin(${String(format)})`;
  if (input !== undefined && !isReadable(input))
    throw optionError(name, 'input', 'a readable stream');
  const where = '<stdin>';
  let open: (source: ChunkSource) => AsyncGenerator<T[]>;
  if (format === 'csv') {
    const csvOptions = csvFormat(name, rest);
    open = (source) => csvRange(csvOptions, source, 0, Infinity, where) as AsyncGenerator<T[]>;
  } else if (format === 'jsonl') {
    if (Object.keys(rest).some((key) => key !== 'maxRecordBytes')) {
      throw new ConfigError(`${name}: jsonl takes no options but maxRecordBytes and input`);
    }
    const max = positiveInteger(name, 'maxRecordBytes', rest.maxRecordBytes, 16 << 20);
    open = (source) => jsonlRange<T>(source, 0, 0, Infinity, max, where);
  } else {
    throw optionError(name, 'format', "'csv' or 'jsonl'");
  }
  return {
    name,
    maxParallelism: 1,
    open(ctx: InstanceContext): SourceReader<T> {
      onlyOne(name, ctx);
      const stream = (input as Readable | undefined) ?? process.stdin;
      return generatorReader(open(streamChunks(stream, ctx.signal)));
    },
  };
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

/** Chunks of a stream; a cancelled job stops waiting for input that may never come. */
function streamChunks(stream: Readable, signal: AbortSignal): ChunkSource {
  const chunks = stream[Symbol.asyncIterator]();
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  return {
    async read() {
      const step = await Promise.race([chunks.next(), aborted]);
      if (step.done) return null;
      const chunk = step.value as Buffer | string;
      return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    },
  };
}

function isReadable(value: unknown): boolean {
  return typeof (value as Readable | null)?.[Symbol.asyncIterator] === 'function';
}

function isWritable(value: unknown): boolean {
  return typeof (value as Writable | null)?.write === 'function';
}
