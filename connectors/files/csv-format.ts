/**
 * CSV options (validated once, when the graph is built) and the parsing of one slice of whole
 * records into rows. Both the file and the stdin sources use these, so they read alike.
 */

import { isUtf8 } from 'node:buffer';
import { CsvError, parse } from 'csv-parse/sync';
import type { ColumnType } from '../../runtime/codec/types.ts';
import { ConnectorError } from '../../runtime/errors.ts';
import { columnTypes, type FieldConverter, fieldParser } from './column-types.ts';
import { checkKeys, optionError, positiveInteger } from './options.ts';
import { QuoteScanner } from './quote-scanner.ts';
import type { Slice } from './record-slicer.ts';

export type Row = Record<string, unknown>;

export interface CsvOptions {
  /** true (default): the first record names the columns; string[]: the names, and the file has no header line. */
  header?: boolean | string[];
  /** Field delimiter; default ','. */
  delimiter?: string;
  /** One ASCII character; default '"'. */
  quote?: string;
  /** One ASCII character that escapes a quote inside a quoted field; default: the quote (RFC 4180 `""`). */
  escape?: string;
  /** Typed columns; columns not listed stay text. */
  columns?: Record<string, ColumnType>;
  /** The field that stands for null in typed columns; default '' (the empty field). */
  nullValue?: string;
  skipEmptyLines?: boolean;
  /** Only 'utf8'. Invalid UTF-8 fails with the file and line. */
  encoding?: 'utf8';
  /** A record longer than this fails (it is most likely an unterminated quote); default 16 MiB. */
  maxRecordBytes?: number;
}

export const csvOptionKeys = [
  'header',
  'delimiter',
  'quote',
  'escape',
  'columns',
  'nullValue',
  'skipEmptyLines',
  'encoding',
  'maxRecordBytes',
] as const;

export interface CsvFormat {
  header: true | string[];
  delimiter: string;
  quote: string;
  escape: string;
  columns: Record<string, ColumnType>;
  nullValue: string;
  skipEmptyLines: boolean;
  maxRecordBytes: number;
}

function oneAsciiChar(where: string, option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length !== 1 || value.charCodeAt(0) > 0x7f) {
    throw optionError(where, option, 'one ASCII character');
  }
  if (value === '\n' || value === '\r') throw optionError(where, option, 'not a line break');
  return value;
}

export function csvFormat(where: string, options: Record<string, unknown>): CsvFormat {
  checkKeys(where, options, csvOptionKeys);
  const { header = true, delimiter = ',', columns = {}, nullValue = '' } = options;
  if (
    header !== true &&
    !(
      Array.isArray(header) &&
      header.length > 0 &&
      header.every((h) => typeof h === 'string') &&
      new Set(header).size === header.length
    )
  ) {
    throw optionError(where, 'header', 'true or a non-empty array of distinct column names');
  }
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /[\r\n]/.test(delimiter)) {
    throw optionError(where, 'delimiter', 'a non-empty string without line breaks');
  }
  const quote = oneAsciiChar(where, 'quote', options.quote, '"');
  const escapeChar = oneAsciiChar(where, 'escape', options.escape, quote);
  if (delimiter.includes(quote)) throw optionError(where, 'delimiter', 'free of the quote');
  if (columns === null || typeof columns !== 'object' || Array.isArray(columns)) {
    throw optionError(where, 'columns', 'an object of column name to type');
  }
  for (const [name, type] of Object.entries(columns)) {
    if (!columnTypes.includes(type as ColumnType)) {
      throw optionError(where, `columns.${name}`, `one of ${columnTypes.join(', ')}`);
    }
    if (Array.isArray(header) && !header.includes(name)) {
      throw optionError(where, `columns.${name}`, 'a column named in header');
    }
  }
  if (typeof nullValue !== 'string') throw optionError(where, 'nullValue', 'a string');
  if (options.skipEmptyLines !== undefined && typeof options.skipEmptyLines !== 'boolean') {
    throw optionError(where, 'skipEmptyLines', 'a boolean');
  }
  if (options.encoding !== undefined && options.encoding !== 'utf8') {
    throw optionError(where, 'encoding', "'utf8'");
  }
  return {
    header: header === true ? true : [...(header as string[])],
    delimiter,
    quote,
    escape: escapeChar,
    columns: { ...(columns as Record<string, ColumnType>) },
    nullValue,
    skipEmptyLines: options.skipEmptyLines === true,
    maxRecordBytes: positiveInteger(where, 'maxRecordBytes', options.maxRecordBytes, 16 << 20),
  };
}

export function newScanner(format: CsvFormat): QuoteScanner {
  return new QuoteScanner(format.quote.charCodeAt(0), format.escape.charCodeAt(0));
}

/** The csv-parse options of every slice: a sequential parse with these and `bom: true` is the reference. */
export function parseOptions(format: CsvFormat) {
  return {
    delimiter: format.delimiter,
    quote: format.quote,
    escape: format.escape,
    // Fixed rather than detected: csv-parse locks onto the first line break it meets, and a
    // reader starting mid-file would meet a different one in a file that mixes them.
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: format.skipEmptyLines,
    // The slicer drops the file's byte order mark; a slice starting mid-file keeps its bytes.
    bom: false,
  };
}

/** Reads whole-record slices of one input into rows, naming the input and line on failure. */
export class CsvSliceParser {
  readonly names: string[];
  private readonly typed: Array<[string, FieldConverter]>;
  private readonly format: CsvFormat;
  private readonly where: string;

  constructor(format: CsvFormat, names: string[], where: string) {
    this.format = format;
    this.names = names;
    this.where = where;
    this.typed = Object.entries(format.columns).map(([name, type]) => [
      name,
      fieldParser(type, format.nullValue),
    ]);
  }

  /** The column names in a header record. */
  static header(format: CsvFormat, slice: Slice, where: string): string[] {
    const names = (parseSlice(slice, parseOptions(format), format, where) as string[][])[0] ?? [];
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw lineError(where, slice.line, `duplicate column name '${name}'`);
      seen.add(name);
    }
    for (const name of Object.keys(format.columns)) {
      if (!seen.has(name)) {
        throw lineError(where, slice.line, `the header has no column '${name}' (option columns)`);
      }
    }
    return names;
  }

  parse(slice: Slice): Row[] {
    const rows = parseSlice(
      slice,
      { ...parseOptions(this.format), columns: this.names },
      this.format,
      this.where,
    ) as Row[];
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (const [name, convert] of this.typed) {
        try {
          row[name] = convert(row[name] as string);
        } catch (error) {
          const line = recordLine(this.format, slice, r);
          throw lineError(this.where, line, `column '${name}': ${(error as Error).message}`, error);
        }
      }
    }
    return rows;
  }
}

function lineError(where: string, line: number, message: string, cause?: unknown): ConnectorError {
  return new ConnectorError(`${where}:${line}: ${message}`, { cause, details: { line } });
}

function parseSlice(slice: Slice, options: object, format: CsvFormat, where: string): unknown[] {
  if (!isUtf8(slice.bytes)) {
    throw lineError(where, slice.line + newlinesBeforeInvalidUtf8(slice.bytes), 'invalid UTF-8');
  }
  try {
    return parse(slice.bytes, options);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // csv-parse's own line count is relative to the slice and counts a quoted "\r\n" as two
    // lines, so find the failing record by parsing the records one by one: a slow path taken
    // once, on failure.
    const line = failingRecordLine(slice, options, format) ?? slice.line;
    const message = error.message.replace(/,? (?:at|on) line \d+/g, '');
    throw lineError(where, line, message, error);
  }
}

/** Each record of a slice: where it starts and ends, and whether csv-parse skips it. */
function* records(format: CsvFormat, bytes: Uint8Array): Generator<[number, number, boolean]> {
  const scanner = newScanner(format);
  for (let start = 0; start < bytes.length; ) {
    const found = scanner.scan(bytes, start, bytes.length, start + 1);
    const end = found < 0 ? bytes.length : found;
    const length = end - start;
    const isEmpty =
      (length === 1 && bytes[start] === 0x0a) ||
      (length === 2 && bytes[start] === 0x0d && bytes[start + 1] === 0x0a);
    yield [start, end, format.skipEmptyLines && isEmpty];
    start = end;
  }
}

function failingRecordLine(slice: Slice, options: object, format: CsvFormat): number | undefined {
  for (const [start, end] of records(format, slice.bytes)) {
    try {
      parse(slice.bytes.subarray(start, end), options);
    } catch {
      return slice.line + countNewlines(slice.bytes, start);
    }
  }
  return undefined;
}

/** The line where record `index` (counted as csv-parse returns them) starts: only on failure. */
function recordLine(format: CsvFormat, slice: Slice, index: number): number {
  let seen = -1;
  for (const [start, , isSkipped] of records(format, slice.bytes)) {
    if (!isSkipped) seen++;
    if (seen === index) return slice.line + countNewlines(slice.bytes, start);
  }
  return slice.line;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Newlines before the first line that is not valid UTF-8 (a line break never sits inside a character). */
function newlinesBeforeInvalidUtf8(bytes: Buffer): number {
  let newlines = 0;
  for (let start = 0; start < bytes.length; newlines++) {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf < 0 ? bytes.length : lf;
    if (!isUtf8(bytes.subarray(start, end))) return newlines;
    start = end + 1;
  }
  return newlines;
}
