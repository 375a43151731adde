/**
 * CSV options (validated once, when the graph is built) and the parsing of one slice of whole
 * records into rows. Both the file and the stdin sources use these, so they read alike.
 */

import { isUtf8 } from 'node:buffer';
import { CsvError, parse } from 'csv-parse/sync';
import type { ColumnType } from '../../runtime/codec/types.ts';
import { ConnectorError } from '../../runtime/errors.ts';
import { MAX_MALFORMED_TEXT, type MalformedRecord } from '../../runtime/graph/connector.ts';
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
  /** A record longer than this is malformed (it is most likely an unterminated quote); default 16 MiB. */
  maxRecordBytes?: number;
  /** A record starting with this one ASCII character is a comment and is skipped; default none. */
  comment?: string;
  /** Spaces and tabs at the start of a field are dropped, so ` "a"` is a quoted field; default false. */
  ltrim?: boolean;
  /** A field longer than this (in characters) makes its record malformed; default: no limit. */
  maxCharsPerColumn?: number;
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
  'comment',
  'ltrim',
  'maxCharsPerColumn',
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
  /** The comment character, or '' for none. */
  comment: string;
  ltrim: boolean;
  /** 0: no limit. */
  maxCharsPerColumn: number;
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
  const comment =
    options.comment === undefined ? '' : oneAsciiChar(where, 'comment', options.comment, '');
  if (comment !== '' && (comment === quote || delimiter.includes(comment))) {
    throw optionError(where, 'comment', 'distinct from the quote and the delimiter');
  }
  if (options.ltrim !== undefined && typeof options.ltrim !== 'boolean') {
    throw optionError(where, 'ltrim', 'a boolean');
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
    comment,
    ltrim: options.ltrim === true,
    maxCharsPerColumn:
      options.maxCharsPerColumn === undefined
        ? 0
        : positiveInteger(where, 'maxCharsPerColumn', options.maxCharsPerColumn, 0),
  };
}

export function newScanner(format: CsvFormat): QuoteScanner {
  return new QuoteScanner({
    quote: format.quote.charCodeAt(0),
    escape: format.escape.charCodeAt(0),
    delimiter: Buffer.from(format.delimiter, 'utf8'),
    comment: format.comment === '' ? -1 : format.comment.charCodeAt(0),
    ltrim: format.ltrim,
  });
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
    // A comment is a whole record starting with the character, as the scanner reads it.
    ...(format.comment === '' ? {} : { comment: format.comment, comment_no_infix: true }),
    ltrim: format.ltrim,
  };
}

/** Where a reader sends the records it cannot read; without one, the first fails the read. */
export type OnMalformed = (record: MalformedRecord) => void;

/**
 * Reads whole-record slices of one input into rows, naming the input and line of a malformed
 * record. A slice is parsed in one call to csv-parse (the fast path); when anything in it is
 * wrong (a parse error, a wrong field count, invalid UTF-8, a value that does not convert, an
 * over-long record or field), it is read again record by record, along the record ends the
 * scanner found, so the good records of that slice are kept and each bad one is reported
 * alone, with the line it starts on. With `sourceField`, each row gets "where:line".
 */
export class CsvSliceParser {
  readonly names: string[];
  private readonly typed: Array<[string, FieldConverter]>;
  private readonly format: CsvFormat;
  private readonly where: string;
  private readonly sourceField: string | undefined;
  private readonly onMalformed: OnMalformed | undefined;
  private readonly rowOptions: object;
  private readonly fieldOptions: object;

  constructor(
    format: CsvFormat,
    names: string[],
    where: string,
    sourceField?: string,
    onMalformed?: OnMalformed,
  ) {
    this.format = format;
    this.names = names;
    this.where = where;
    this.sourceField = sourceField;
    this.onMalformed = onMalformed;
    this.typed = Object.entries(format.columns).map(([name, type]) => [
      name,
      fieldParser(type, format.nullValue),
    ]);
    this.rowOptions = { ...parseOptions(format), columns: names };
    this.fieldOptions = parseOptions(format);
  }

  /** The column names in a header record. */
  static header(format: CsvFormat, slice: Slice, where: string): string[] {
    if (!isUtf8(slice.bytes)) throw lineError(where, slice.line, 'invalid UTF-8 in the header');
    let names: string[];
    try {
      names = (parse(slice.bytes, parseOptions(format)) as string[][])[0] ?? [];
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      throw lineError(where, slice.line, `the header: ${csvMessage(error)}`, error);
    }
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
    const bytes = slice.bytes;
    if (bytes.length <= this.format.maxRecordBytes && isUtf8(bytes)) {
      let rows: Row[] | undefined;
      try {
        rows = parse(bytes, this.rowOptions) as unknown as Row[];
      } catch (error) {
        if (!(error instanceof CsvError)) throw error;
      }
      if (rows?.every((row) => this.finish(row) === undefined)) {
        if (this.sourceField !== undefined) this.tagRows(slice, rows);
        return rows;
      }
    }
    return this.parseEach(slice);
  }

  /** Converts the typed fields in place and checks field lengths; returns what is wrong, if anything. */
  private finish(row: Row): string | undefined {
    for (const [name, convert] of this.typed) {
      try {
        row[name] = convert(row[name] as string);
      } catch (error) {
        return `column '${name}': ${(error as Error).message}`;
      }
    }
    const limit = this.format.maxCharsPerColumn;
    if (limit > 0) {
      for (const name of this.names) {
        const value = row[name];
        if (typeof value === 'string' && value.length > limit) {
          return `field '${name}' has ${value.length} characters, more than maxCharsPerColumn (${limit})`;
        }
      }
    }
    return undefined;
  }

  /** The slow path: each record alone, so one bad record costs only itself. */
  private parseEach(slice: Slice): Row[] {
    const rows: Row[] = [];
    const bytes = slice.bytes;
    let line = slice.line;
    let counted = 0;
    for (const [start, end, isSkipped] of records(this.format, bytes)) {
      line += countNewlines(bytes, counted, start);
      counted = start;
      if (isSkipped) continue;
      const record = bytes.subarray(start, end);
      const problem = this.readRecord(record, rows);
      if (problem === undefined) {
        if (this.sourceField !== undefined && rows.length > 0) {
          rows[rows.length - 1]![this.sourceField] = `${this.where}:${line}`;
        }
        continue;
      }
      this.malformed(record, line, problem.message, problem.cause);
    }
    return rows;
  }

  /** Reads one record, appending its row (if it has one) to `rows`; or says what is wrong. */
  private readRecord(
    record: Buffer,
    rows: Row[],
  ): { message: string; cause?: unknown } | undefined {
    if (record.length > this.format.maxRecordBytes) {
      return {
        message: `the record is ${record.length} bytes, longer than maxRecordBytes (${this.format.maxRecordBytes})`,
      };
    }
    if (!isUtf8(record)) return { message: invalidUtf8(record) };
    let parsed: string[][];
    try {
      parsed = parse(record, this.fieldOptions) as string[][];
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      return { message: csvMessage(error), cause: error };
    }
    // A comment, or an empty line that is skipped.
    if (parsed.length === 0) return undefined;
    const fields = parsed[0]!;
    if (parsed.length > 1) return { message: 'the quotes of this record are malformed' };
    if (fields.length !== this.names.length) {
      return {
        message: `${fields.length} field${fields.length === 1 ? '' : 's'} where the header has ${this.names.length}`,
      };
    }
    const row: Row = {};
    for (let i = 0; i < fields.length; i++) row[this.names[i]!] = fields[i];
    const problem = this.finish(row);
    if (problem !== undefined) return { message: problem };
    rows.push(row);
    return undefined;
  }

  private malformed(record: Buffer, line: number, message: string, cause?: unknown): void {
    if (this.onMalformed === undefined) throw lineError(this.where, line, message, cause);
    this.onMalformed({
      source: `${this.where}:${line}`,
      error: message,
      record: recordText(record),
    });
  }

  /** Sets "where:line" on each row of a clean slice: the line its record starts on. */
  private tagRows(slice: Slice, rows: Row[]): void {
    const field = this.sourceField!;
    const bytes = slice.bytes;
    let line = slice.line;
    let counted = 0;
    let r = 0;
    for (const [start, , isSkipped] of records(this.format, bytes)) {
      if (r >= rows.length) break;
      line += countNewlines(bytes, counted, start);
      counted = start;
      if (!isSkipped) rows[r++]![field] = `${this.where}:${line}`;
    }
  }
}

/**
 * A malformed record's text for the bad file: without its line break, cut to
 * MAX_MALFORMED_TEXT characters, and read as Latin-1 when it is not UTF-8 (so every byte
 * shows as one character).
 */
export function recordText(record: Buffer): string {
  let end = record.length;
  if (end > 0 && record[end - 1] === 0x0a) end--;
  if (end > 0 && record[end - 1] === 0x0d) end--;
  const head = record.subarray(0, Math.min(end, MAX_MALFORMED_TEXT * 4));
  const text = head.toString(isUtf8(head) ? 'utf8' : 'latin1');
  return text.length > MAX_MALFORMED_TEXT ? text.slice(0, MAX_MALFORMED_TEXT) : text;
}

function lineError(where: string, line: number, message: string, cause?: unknown): ConnectorError {
  return new ConnectorError(`${where}:${line}: ${message}`, { cause, details: { line } });
}

/** csv-parse's message without its own line count, which is relative to what it was given. */
function csvMessage(error: Error): string {
  return error.message.replace(/,? (?:at|on) line \d+/g, '');
}

/** Invalid UTF-8, with a hint when the bytes look like a single-byte code page. */
export function invalidUtf8(record: Buffer): string {
  const isHighByte = record.some((b) => b >= 0x80);
  return `invalid UTF-8${isHighByte ? ' (a Windows-1252 or Latin-1 file? convert it first: iconv -f WINDOWS-1252 -t UTF-8)' : ''}`;
}

/** Each record of a slice: where it starts and ends, and whether csv-parse skips it. */
function* records(format: CsvFormat, bytes: Uint8Array): Generator<[number, number, boolean]> {
  const scanner = newScanner(format);
  for (let start = 0; start < bytes.length; ) {
    const found = scanner.scan(bytes, start, bytes.length, start + 1);
    const end = found < 0 ? bytes.length : found;
    yield [start, end, isSkippedRecord(format, bytes.subarray(start, end))];
    start = end;
  }
}

/** A record that is only a line break. */
export function isEmptyLine(record: Uint8Array): boolean {
  return (
    (record.length === 1 && record[0] === 0x0a) ||
    (record.length === 2 && record[0] === 0x0d && record[1] === 0x0a)
  );
}

/** Whether csv-parse skips this record: an empty line (with `skipEmptyLines`), or a comment. */
export function isSkippedRecord(format: CsvFormat, record: Uint8Array): boolean {
  return (
    (format.skipEmptyLines && isEmptyLine(record)) ||
    (format.comment !== '' && record[0] === format.comment.charCodeAt(0))
  );
}

function countNewlines(bytes: Uint8Array, from: number, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a, from); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}
