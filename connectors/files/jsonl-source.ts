/**
 * `jsonl(paths)`: a source of the JSON values in JSON Lines files, one per line, split across
 * readers by byte range as `csv` is. Here every '\n' ends a record, so a reader needs no scan
 * from the start of the file: it starts one byte before its range and skips to the first line
 * break. Line numbers for errors are then counted from the start of the file only on failure.
 * Blank lines are skipped; a line may end with "\r\n". Inputs and gzip as for `csv`: a gzip
 * file is read whole by one reader, and `sourceField` tags each object with "file:line".
 */

import { isUtf8 } from 'node:buffer';
import { ConnectorError } from '../../runtime/errors.ts';
import type {
  InstanceContext,
  MalformedRecord,
  Source,
  SourceReader,
} from '../../runtime/graph/connector.ts';
import { countFileNewlines, FileChunks, piecesFor } from './byte-ranges.ts';
import { invalidUtf8, type OnMalformed, recordText } from './csv-format.ts';
import { checkSourceField, generatorReader, inputOptions } from './csv-source.ts';
import { gunzipChunks, type InputOptions, resolveInputs } from './inputs.ts';
import { checkKeys, checkObject, checkPaths, positiveInteger } from './options.ts';
import { QuoteScanner } from './quote-scanner.ts';
import { type ChunkSource, RecordSlicer } from './record-slicer.ts';

const CHUNK_BYTES = 64 << 10;

export interface JsonlOptions extends InputOptions {
  /** A line longer than this fails; default 16 MiB. */
  maxRecordBytes?: number;
  /** Name of a field set on every object to "file:line" of the line it came from. */
  sourceField?: string;
}

export function jsonl<T = Record<string, unknown>>(
  pathOrPaths: string | string[],
  options?: JsonlOptions,
): Source<T> {
  const paths = checkPaths('jsonl', pathOrPaths);
  const name = `jsonl(${paths[0]}${paths.length > 1 ? ` +${paths.length - 1} more` : ''})`;
  const checked = checkObject(name, options);
  checkKeys(name, checked, ['maxRecordBytes', 'recursive', 'extensions', 'sourceField']);
  const maxRecordBytes = positiveInteger(name, 'maxRecordBytes', checked.maxRecordBytes, 16 << 20);
  const inputs = inputOptions(name, checked.recursive, checked.extensions);
  const tag = checkSourceField(name, checked.sourceField);
  return {
    name,
    async open(ctx: InstanceContext): Promise<SourceReader<T>> {
      const files = await resolveInputs(paths, inputs);
      const pieces = piecesFor(files, ctx.instance, ctx.parallelism);
      const malformed: MalformedRecord[] | undefined = ctx.keepsMalformed ? [] : undefined;
      const onMalformed = malformed && ((record: MalformedRecord) => void malformed.push(record));
      async function* batches(): AsyncGenerator<T[]> {
        for (const { path, start, end, isWhole } of pieces) {
          // One byte early: whether that byte is '\n' tells if a line starts right at `start`.
          const from = isWhole ? 0 : Math.max(0, start - 1);
          const chunks = new FileChunks(path, CHUNK_BYTES, path, ctx.signal, from);
          try {
            if (isWhole) {
              const inflated = gunzipChunks(chunks, path);
              yield* jsonlRange<T>(
                inflated,
                0,
                0,
                Infinity,
                maxRecordBytes,
                path,
                undefined,
                tag,
                onMalformed,
              );
            } else {
              const before = () => countFileNewlines(path, from);
              yield* jsonlRange<T>(
                chunks,
                from,
                start,
                end,
                maxRecordBytes,
                path,
                before,
                tag,
                onMalformed,
              );
            }
          } finally {
            await chunks.close();
          }
        }
      }
      return generatorReader(batches(), malformed);
    },
  };
}

/**
 * The values of the lines that start in [start, end) of a stream that `source` reads from
 * byte `from`; `newlinesBefore` counts the line breaks before `from`, for error messages and
 * for `sourceField`. With `onMalformed`, a line that is not JSON, not UTF-8 or longer than
 * `maxRecordBytes` goes there and reading goes on; without it, it fails the read.
 */
export async function* jsonlRange<T>(
  source: ChunkSource,
  from: number,
  start: number,
  end: number,
  maxRecordBytes: number,
  where: string,
  newlinesBefore: () => Promise<number> = async () => 0,
  sourceField?: string,
  onMalformed?: OnMalformed,
): AsyncGenerator<T[]> {
  // No quote character: every line break ends a record.
  const slicer = new RecordSlicer(
    source,
    new QuoteScanner({ quote: -1, escape: -1 }),
    maxRecordBytes,
    where,
    from,
  );
  if (!(await slicer.skipTo(start))) return;
  // Counted once, and only when needed: it reads the file up to this reader's range.
  let counted: number | undefined;
  const lineBase = async () => {
    counted ??= await newlinesBefore();
    return counted;
  };
  const oversize: Array<{ line: number; head: Buffer; bytes: number }> = [];
  if (onMalformed !== undefined) {
    slicer.onOversize = (line, head, bytes) => oversize.push({ line, head, bytes });
  }
  const malformed = async (line: number, message: string, bytes: Buffer, cause?: unknown) => {
    const at = line + (await lineBase());
    if (onMalformed === undefined) {
      throw new ConnectorError(`${where}:${at}: ${message}`, { cause, details: { line: at } });
    }
    onMalformed({ source: `${where}:${at}`, error: message, record: recordText(bytes) });
  };
  const base = sourceField === undefined ? 0 : await lineBase();
  for (let slice = await slicer.nextSlice(end); slice; slice = await slicer.nextSlice(end)) {
    for (const { line, head, bytes } of oversize.splice(0)) {
      await malformed(
        line,
        `the line is ${bytes} bytes, longer than maxRecordBytes (${maxRecordBytes})`,
        head,
      );
    }
    const values: T[] = [];
    const bytes = slice.bytes;
    let line = slice.line;
    for (let at = 0; at < bytes.length; line++) {
      const lf = bytes.indexOf(0x0a, at);
      const stop = lf < 0 ? bytes.length : lf;
      const lineBytes = bytes.subarray(at, stop);
      at = stop + 1;
      if (lineBytes.length > maxRecordBytes) {
        await malformed(
          line,
          `the line is ${lineBytes.length} bytes, longer than maxRecordBytes (${maxRecordBytes})`,
          lineBytes,
        );
        continue;
      }
      if (!isUtf8(lineBytes)) {
        await malformed(line, invalidUtf8(lineBytes), lineBytes);
        continue;
      }
      const text = lineBytes.toString('utf8');
      if (text.trim() === '') continue;
      let value: T;
      try {
        value = JSON.parse(text) as T;
      } catch (error) {
        await malformed(line, (error as Error).message, lineBytes, error);
        continue;
      }
      if (sourceField !== undefined && isPlainObject(value)) {
        (value as Record<string, unknown>)[sourceField] = `${where}:${line + base}`;
      }
      values.push(value);
    }
    if (values.length > 0) yield values;
  }
  for (const { line, head, bytes } of oversize.splice(0)) {
    await malformed(
      line,
      `the line is ${bytes} bytes, longer than maxRecordBytes (${maxRecordBytes})`,
      head,
    );
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
