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
import type {
  InstanceContext,
  MalformedRecord,
  Source,
  SourceReader,
} from '../../runtime/graph/connector.ts';
import { FileChunks, piecesFor } from './byte-ranges.ts';
import {
  type CsvFormat,
  type CsvOptions,
  CsvSliceParser,
  csvFormat,
  isEmptyLine,
  isSkippedRecord,
  newScanner,
  type OnMalformed,
  type Row,
  recordText,
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
  /** Records skipped at the start of each file, after its header (DSBulk's `skipRecords`). */
  skipRecords?: number;
  /** Records read from each file at most (DSBulk's `maxRecords`). */
  maxRecords?: number;
}

export function csv(pathOrPaths: string | string[], options?: CsvSourceOptions): Source<Row> {
  const paths = checkPaths('csv', pathOrPaths);
  const name = `csv(${paths[0]}${paths.length > 1 ? ` +${paths.length - 1} more` : ''})`;
  const { recursive, extensions, sourceField, skipRecords, maxRecords, ...rest } = checkObject(
    name,
    options,
  );
  const format = csvFormat(name, rest);
  const inputs = inputOptions(name, recursive, extensions);
  const tag = checkSourceField(name, sourceField);
  const limits = recordLimits(name, skipRecords, maxRecords);
  return {
    name,
    async open(ctx: InstanceContext): Promise<SourceReader<Row>> {
      const files = await resolveInputs(paths, inputs);
      // Records are counted per file: with limits, each file is read whole by one reader.
      const pieces = piecesFor(files, ctx.instance, ctx.parallelism, limits !== undefined);
      const malformed: MalformedRecord[] | undefined = ctx.keepsMalformed ? [] : undefined;
      const onMalformed = malformed && ((record: MalformedRecord) => void malformed.push(record));
      async function* batches(): AsyncGenerator<Row[]> {
        for (const piece of pieces) {
          const chunks = new FileChunks(piece.path, SKIP_CHUNK_BYTES, piece.path, ctx.signal);
          try {
            if (piece.isWhole) {
              chunks.chunkBytes = PARSE_CHUNK_BYTES;
              const input = piece.isGzip ? gunzipChunks(chunks, piece.path) : chunks;
              yield* csvRange(
                format,
                input,
                0,
                Infinity,
                piece.path,
                undefined,
                tag,
                onMalformed,
                limits,
              );
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

function recordLimits(where: string, skip: unknown, max: unknown): RecordLimits | undefined {
  if (skip === undefined && max === undefined) return undefined;
  const count = (option: string, value: unknown, fallback: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw optionError(where, option, 'an integer ≥ 0');
    }
    return value;
  };
  return { skip: count('skipRecords', skip, 0), max: count('maxRecords', max, Infinity) };
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
 * row gets "where:line" there. With `onMalformed`, a record that cannot be read (see
 * `CsvSliceParser`), or one longer than `maxRecordBytes`, goes there and reading goes on;
 * without it, it fails the read.
 */
export async function* csvRange(
  format: CsvFormat,
  source: ChunkSource,
  start: number,
  end: number,
  where: string,
  onRangeFound?: () => void,
  sourceField?: string,
  onMalformed?: OnMalformed,
  limits?: RecordLimits,
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
  if (onMalformed !== undefined) {
    slicer.onOversize = (line, head, bytes) =>
      onMalformed({
        source: `${where}:${line}`,
        error: `the record is ${bytes} bytes, longer than maxRecordBytes (${format.maxRecordBytes}): is a quote left open?`,
        record: recordText(head),
      });
  }
  const parser = new CsvSliceParser(format, names, where, sourceField, onMalformed);
  if (limits !== undefined) {
    yield* limitedRecords(format, slicer, parser, limits);
    return;
  }
  for (let slice = await slicer.nextSlice(end); slice; slice = await slicer.nextSlice(end)) {
    const rows = parser.parse(slice);
    if (rows.length > 0) yield rows;
  }
}

/**
 * A reader over an async generator of batches; closing it runs the generator's cleanup.
 * `malformed`, when given, is the list the generator's parser fills: `takeMalformed` empties it.
 */
export function generatorReader<T>(
  batches: AsyncGenerator<T[]>,
  malformed?: MalformedRecord[],
): SourceReader<T> {
  const reader: SourceReader<T> = {
    async next() {
      const step = await batches.next();
      return step.done ? null : step.value;
    },
    async close() {
      await batches.return(undefined);
    },
  };
  if (malformed !== undefined) {
    reader.takeMalformed = () => malformed.splice(0, malformed.length);
  }
  return reader;
}

/** DSBulk's `skipRecords` and `maxRecords`: counted in each file, after its header. */
export interface RecordLimits {
  skip: number;
  /** Infinity: no limit. */
  max: number;
}

/** Records one at a time, so each is counted: the first `skip` dropped, at most `max` read. */
async function* limitedRecords(
  format: CsvFormat,
  slicer: RecordSlicer,
  parser: CsvSliceParser,
  limits: RecordLimits,
): AsyncGenerator<Row[]> {
  let skipped = 0;
  let taken = 0;
  let batch: Row[] = [];
  while (taken < limits.max) {
    const record = await slicer.nextRecord();
    if (record === null) break;
    if (isSkippedRecord(format, record.bytes)) continue;
    if (skipped < limits.skip) {
      skipped++;
      continue;
    }
    taken++;
    batch.push(...parser.parse(record));
    if (batch.length >= 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function nextHeader(format: CsvFormat, slicer: RecordSlicer): Promise<Slice | null> {
  for (;;) {
    const record = await slicer.nextRecord();
    if (record === null || !format.skipEmptyLines || !isEmptyLine(record.bytes)) return record;
  }
}
