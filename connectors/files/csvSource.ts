/**
 * `csv(paths, options)`: a source of rows (objects keyed by column name) read from CSV files,
 * split across readers by byte range (see `byteRanges.ts`, and `quoteScanner.ts` for how a
 * reader finds the first record of its range without being fooled by quoted newlines).
 *
 * Every reader reads the header from the start of each file it has a range of, so all know
 * the column names, and counts lines from there, so errors name the true line.
 */

import type { InstanceContext, Source, SourceReader } from '../../runtime/graph/connector.ts';
import { FileChunks, fileSizes, piecesFor } from './byteRanges.ts';
import {
  type CsvFormat,
  type CsvOptions,
  CsvSliceParser,
  csvFormat,
  newScanner,
  type Row,
} from './csvFormat.ts';
import { checkObject, checkPaths } from './options.ts';
import { type ChunkSource, RecordSlicer, type Slice } from './recordSlicer.ts';

/** Bytes per read while scanning up to a range, and while parsing (about 3 ms of csv-parse). */
const SKIP_CHUNK_BYTES = 1 << 20;
const PARSE_CHUNK_BYTES = 64 << 10;

export type { CsvOptions, Row };

export function csv(pathOrPaths: string | string[], options?: CsvOptions): Source<Row> {
  const paths = checkPaths('csv', pathOrPaths);
  const name = `csv(${paths[0]}${paths.length > 1 ? ` +${paths.length - 1} more` : ''})`;
  const format = csvFormat(name, checkObject(name, options));
  return {
    name,
    async open(ctx: InstanceContext): Promise<SourceReader<Row>> {
      const pieces = piecesFor(await fileSizes(name, paths), ctx.instance, ctx.parallelism);
      async function* batches(): AsyncGenerator<Row[]> {
        for (const piece of pieces) {
          const chunks = new FileChunks(piece.path, SKIP_CHUNK_BYTES, piece.path, ctx.signal);
          try {
            yield* csvRange(format, chunks, piece.start, piece.end, piece.path, () => {
              chunks.chunkBytes = PARSE_CHUNK_BYTES;
            });
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
 * The rows of the records that start in [start, end) of a CSV byte stream, in batches.
 * `onRangeFound` runs once the reader has reached its first record.
 */
export async function* csvRange(
  format: CsvFormat,
  source: ChunkSource,
  start: number,
  end: number,
  where: string,
  onRangeFound?: () => void,
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
  if (!(await slicer.skipTo(start))) return;
  onRangeFound?.();
  const parser = new CsvSliceParser(format, names, where);
  for (let slice = await slicer.nextSlice(end); slice; slice = await slicer.nextSlice(end)) {
    const rows = parser.parse(slice);
    if (rows.length > 0) yield rows;
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
