/**
 * `jsonl(paths)`: a source of the JSON values in JSON Lines files, one per line, split across
 * readers by byte range as `csv` is. Here every '\n' ends a record, so a reader needs no scan
 * from the start of the file: it starts one byte before its range and skips to the first line
 * break. Line numbers for errors are then counted from the start of the file only on failure.
 * Blank lines are skipped; a line may end with "\r\n".
 */

import { isUtf8 } from 'node:buffer';
import { ConnectorError } from '../../runtime/errors.ts';
import type { InstanceContext, Source, SourceReader } from '../../runtime/graph/connector.ts';
import { countFileNewlines, FileChunks, fileSizes, piecesFor } from './byteRanges.ts';
import { generatorReader } from './csvSource.ts';
import { checkKeys, checkObject, checkPaths, positiveInteger } from './options.ts';
import { QuoteScanner } from './quoteScanner.ts';
import { type ChunkSource, RecordSlicer } from './recordSlicer.ts';

const CHUNK_BYTES = 64 << 10;

export interface JsonlOptions {
  /** A line longer than this fails; default 16 MiB. */
  maxRecordBytes?: number;
}

export function jsonl<T = Record<string, unknown>>(
  pathOrPaths: string | string[],
  options?: JsonlOptions,
): Source<T> {
  const paths = checkPaths('jsonl', pathOrPaths);
  const name = `jsonl(${paths[0]}${paths.length > 1 ? ` +${paths.length - 1} more` : ''})`;
  const checked = checkObject(name, options);
  checkKeys(name, checked, ['maxRecordBytes']);
  const maxRecordBytes = positiveInteger(name, 'maxRecordBytes', checked.maxRecordBytes, 16 << 20);
  return {
    name,
    async open(ctx: InstanceContext): Promise<SourceReader<T>> {
      const pieces = piecesFor(await fileSizes(name, paths), ctx.instance, ctx.parallelism);
      async function* batches(): AsyncGenerator<T[]> {
        for (const { path, start, end } of pieces) {
          // One byte early: whether that byte is '\n' tells if a line starts right at `start`.
          const from = Math.max(0, start - 1);
          const chunks = new FileChunks(path, CHUNK_BYTES, path, ctx.signal, from);
          try {
            yield* jsonlRange<T>(chunks, from, start, end, maxRecordBytes, path, () =>
              countFileNewlines(path, from),
            );
          } finally {
            await chunks.close();
          }
        }
      }
      return generatorReader(batches());
    },
  };
}

/**
 * The values of the lines that start in [start, end) of a stream that `source` reads from
 * byte `from`; `newlinesBefore` counts the line breaks before `from`, for error messages.
 */
export async function* jsonlRange<T>(
  source: ChunkSource,
  from: number,
  start: number,
  end: number,
  maxRecordBytes: number,
  where: string,
  newlinesBefore: () => Promise<number> = async () => 0,
): AsyncGenerator<T[]> {
  // No quote character: every line break ends a record.
  const slicer = new RecordSlicer(source, new QuoteScanner(-1, -1), maxRecordBytes, where, from);
  if (!(await slicer.skipTo(start))) return;
  for (let slice = await slicer.nextSlice(end); slice; slice = await slicer.nextSlice(end)) {
    const values: T[] = [];
    const bytes = slice.bytes;
    let line = slice.line;
    for (let at = 0; at < bytes.length; line++) {
      const lf = bytes.indexOf(0x0a, at);
      const stop = lf < 0 ? bytes.length : lf;
      const lineBytes = bytes.subarray(at, stop);
      at = stop + 1;
      let text: string;
      if (!isUtf8(lineBytes)) {
        throw await lineError(where, line, newlinesBefore, 'invalid UTF-8');
      }
      text = lineBytes.toString('utf8');
      if (text.trim() === '') continue;
      try {
        values.push(JSON.parse(text) as T);
      } catch (error) {
        throw await lineError(where, line, newlinesBefore, (error as Error).message, error);
      }
    }
    if (values.length > 0) yield values;
  }
}

async function lineError(
  where: string,
  relativeLine: number,
  newlinesBefore: () => Promise<number>,
  message: string,
  cause?: unknown,
): Promise<ConnectorError> {
  const line = relativeLine + (await newlinesBefore());
  return new ConnectorError(`${where}:${line}: ${message}`, { cause, details: { line } });
}
