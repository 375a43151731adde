/**
 * `csv(paths, options)`: a source of rows (objects keyed by column name) read from CSV files,
 * split across readers by byte range (see `byte-ranges.ts`, and `quote-scanner.ts` for how a
 * reader finds the first record of its range without being fooled by quoted newlines).
 *
 * Every reader reads the header from the start of each file it has a range of, so all know
 * the column names, and counts lines from there, so errors name the true line.
 *
 * The paths may name directories, globs and gzip files (see `inputs.ts`); a gzip file is read
 * whole by one reader. With `sourceField`, each row also carries "file:line" of its record,
 * so a row rejected downstream (a bad-records file) can be traced back to its line.
 */

import { ConnectorError } from '../../runtime/errors.ts';
import type { InstanceContext, Source, SourceReader } from '../../runtime/graph/connector.ts';
import { FileChunks, piecesFor } from './byte-ranges.ts';
import {
  type CsvFormat,
  type CsvOptions,
  CsvSliceParser,
  csvFormat,
  newScanner,
  type Row,
} from './csv-format.ts';
import { gunzipChunks, type InputOptions, resolveInputs } from './inputs.ts';
import { checkObject, checkPaths, optionError } from './options.ts';
import { type ChunkSource, RecordSlicer, type Slice } from './record-slicer.ts';

/** Bytes per read while scanning up to a range, and while parsing (about 3 ms of csv-parse). */
const SKIP_CHUNK_BYTES = 1 << 20;
const PARSE_CHUNK_BYTES = 64 << 10;

export type { CsvOptions, Row };

export interface CsvSourceOptions extends CsvOptions, InputOptions {
  /** Name of a field set on every row to "file:line" of the record it came from. */
  sourceField?: string;
}

export function csv(pathOrPaths: string | string[], options?: CsvSourceOptions): Source<Row> {
  const paths = checkPaths('csv', pathOrPaths);
  const name = `csv(${paths[0]}${paths.length > 1 ? ` +${paths.length - 1} more` : ''})`;
  const { recursive, extensions, sourceField, ...rest } = checkObject(name, options);
  const format = csvFormat(name, rest);
  const inputs = inputOptions(name, recursive, extensions);
  const tag = checkSourceField(name, sourceField);
  return {
    name,
    async open(ctx: InstanceContext): Promise<SourceReader<Row>> {
      const files = await resolveInputs(paths, inputs);
      const pieces = piecesFor(files, ctx.instance, ctx.parallelism);
      async function* batches(): AsyncGenerator<Row[]> {
        for (const piece of pieces) {
          const chunks = new FileChunks(piece.path, SKIP_CHUNK_BYTES, piece.path, ctx.signal);
          try {
            if (piece.isWhole) {
              chunks.chunkBytes = PARSE_CHUNK_BYTES;
              const inflated = gunzipChunks(chunks, piece.path);
              yield* csvRange(format, inflated, 0, Infinity, piece.path, undefined, tag);
            } else {
              const onRangeFound = () => {
                chunks.chunkBytes = PARSE_CHUNK_BYTES;
              };
              yield* csvRange(
                format,
                chunks,
                piece.start,
                piece.end,
                piece.path,
                onRangeFound,
                tag,
              );
            }
          } finally {
            await chunks.close();
          }
        }
      }
      return generatorReader(batches());
    },
  };
}

export function inputOptions(where: string, recursive: unknown, extensions: unknown): InputOptions {
  if (recursive !== undefined && typeof recursive !== 'boolean') {
    throw optionError(where, 'recursive', 'a boolean');
  }
  if (
    extensions !== undefined &&
    !(Array.isArray(extensions) && extensions.every((e) => typeof e === 'string' && e !== ''))
  ) {
    throw optionError(where, 'extensions', 'an array of file name endings such as ".csv"');
  }
  return { recursive: recursive === true, extensions: (extensions as string[] | undefined) ?? [] };
}

export function checkSourceField(where: string, value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw optionError(where, 'sourceField', 'a non-empty field name');
  }
  return value;
}

/**
 * The rows of the records that start in [start, end) of a CSV byte stream, in batches.
 * `onRangeFound` runs once the reader has reached its first record; with `sourceField`, each
 * row gets "where:line" there.
 */
export async function* csvRange(
  format: CsvFormat,
  source: ChunkSource,
  start: number,
  end: number,
  where: string,
  onRangeFound?: () => void,
  sourceField?: string,
): AsyncGenerator<Row[]> {
  const slicer = new RecordSlicer(source, newScanner(format), format.maxRecordBytes, where);
  let names: string[];
  if (format.header === true) {
    const header = await nextHeader(format, slicer);
    if (header === null) return;
    names = CsvSliceParser.header(format, header, where);
  } else {
    names = format.header;
  }
  if (sourceField !== undefined && names.includes(sourceField)) {
    throw new ConnectorError(
      `${where}: the input has a column named '${sourceField}', the name chosen for the source of each row (sourceField)`,
      { details: { option: 'sourceField' } },
    );
  }
  if (!(await slicer.skipTo(start))) return;
  onRangeFound?.();
  const parser = new CsvSliceParser(format, names, where);
  for (let slice = await slicer.nextSlice(end); slice; slice = await slicer.nextSlice(end)) {
    const rows = parser.parse(slice);
    if (sourceField !== undefined) tagRows(format, slice, rows, sourceField, where);
    if (rows.length > 0) yield rows;
  }
}

/** Sets "where:line" on each row: the line its record starts on, counted as the parser did. */
function tagRows(format: CsvFormat, slice: Slice, rows: Row[], field: string, where: string): void {
  const bytes = slice.bytes;
  const scanner = newScanner(format);
  let line = slice.line;
  let r = 0;
  for (let at = 0; at < bytes.length && r < rows.length; ) {
    const found = scanner.scan(bytes, at, bytes.length, at + 1);
    const stop = found < 0 ? bytes.length : found;
    const isEmpty =
      (stop - at === 1 && bytes[at] === 0x0a) ||
      (stop - at === 2 && bytes[at] === 0x0d && bytes[at + 1] === 0x0a);
    if (!(format.skipEmptyLines && isEmpty)) rows[r++]![field] = `${where}:${line}`;
    for (let i = bytes.indexOf(0x0a, at); i >= 0 && i < stop; i = bytes.indexOf(0x0a, i + 1))
      line++;
    at = stop;
  }
}

/** A reader over an async generator of batches; closing it runs the generator's cleanup. */
export function generatorReader<T>(batches: AsyncGenerator<T[]>): SourceReader<T> {
  return {
    async next() {
      const step = await batches.next();
      return step.done ? null : step.value;
    },
    async close() {
      await batches.return(undefined);
    },
  };
}

async function nextHeader(format: CsvFormat, slicer: RecordSlicer): Promise<Slice | null> {
  for (;;) {
    const record = await slicer.nextRecord();
    if (record === null || !format.skipEmptyLines || !isEmptyLine(record.bytes)) return record;
  }
}

function isEmptyLine(bytes: Uint8Array): boolean {
  return (
    (bytes.length === 1 && bytes[0] === 0x0a) ||
    (bytes.length === 2 && bytes[0] === 0x0d && bytes[1] === 0x0a)
  );
}
