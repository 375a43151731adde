/**
 * `csvFile(path, options)`: writes rows (objects keyed by column name) as CSV, one file per
 * instance (see `instancePath`), with the typed values written as `csv` reads them back
 * (see `column-types.ts`). RFC 4180 quoting: a field holding the delimiter, a quote or a line
 * break is quoted, its quotes doubled. Lines end with "\n".
 */

import { ConnectorError } from '../../runtime/errors.ts';
import type { InstanceContext, Sink, SinkWriter } from '../../runtime/graph/connector.ts';
import { instancePath } from '../../runtime/graph/connector.ts';
import { formatField } from './column-types.ts';
import { checkKeys, checkObject, checkPath, optionError } from './options.ts';
import { fileByteSink, lineWriter, TextWriter } from './text-writer.ts';

export interface CsvFileOptions {
  /** Write a header line with the column names; default true. */
  header?: boolean;
  /** Columns and their order; default: the keys of the first record. */
  columns?: string[];
  /** Default ','. */
  delimiter?: string;
  /** Default '"'. */
  quote?: string;
  /** Written for null and undefined; default '' (the empty field). */
  nullValue?: string;
}

export interface CsvLayout {
  header: boolean;
  columns: string[] | undefined;
  delimiter: string;
  quote: string;
  nullValue: string;
}

export function csvLayout(where: string, options: unknown): CsvLayout {
  const checked = checkObject(where, options);
  checkKeys(where, checked, ['header', 'columns', 'delimiter', 'quote', 'nullValue', 'format']);
  const { header = true, columns, delimiter = ',', quote = '"', nullValue = '' } = checked;
  if (typeof header !== 'boolean') throw optionError(where, 'header', 'a boolean');
  if (
    columns !== undefined &&
    !(
      Array.isArray(columns) &&
      columns.length > 0 &&
      columns.every((c) => typeof c === 'string') &&
      new Set(columns).size === columns.length
    )
  ) {
    throw optionError(where, 'columns', 'a non-empty array of distinct column names');
  }
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /[\r\n]/.test(delimiter)) {
    throw optionError(where, 'delimiter', 'a non-empty string without line breaks');
  }
  if (typeof quote !== 'string' || quote.length !== 1 || delimiter.includes(quote)) {
    throw optionError(where, 'quote', 'one character, not in the delimiter');
  }
  if (typeof nullValue !== 'string') throw optionError(where, 'nullValue', 'a string');
  return { header, columns: columns as string[] | undefined, delimiter, quote, nullValue };
}

/** Turns rows into CSV lines; the column list is fixed by the first row when not given. */
export class CsvLineFormatter {
  private columns: string[] | undefined;
  private readonly layout: CsvLayout;
  private readonly needsQuotes: RegExp;
  private readonly quotes: RegExp;
  private readonly where: string;

  constructor(layout: CsvLayout, where: string) {
    this.layout = layout;
    this.columns = layout.columns;
    this.where = where;
    const special = [layout.delimiter, layout.quote, '\r', '\n'].map(escapeRegExp).join('|');
    this.needsQuotes = new RegExp(special);
    this.quotes = new RegExp(escapeRegExp(layout.quote), 'g');
  }

  /** The lines for `row`: the header first when this is the first row. */
  format(row: unknown): string {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new ConnectorError(
        `${this.where}: a CSV record must be an object, got ${describe(row)}`,
      );
    }
    const record = row as Record<string, unknown>;
    let prefix = '';
    if (this.columns === undefined) {
      this.columns = Object.keys(record);
      if (this.layout.header) prefix = this.line(this.columns);
    }
    const columns = this.columns;
    const values = new Array<string>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      values[i] = formatField(record[columns[i]!], this.layout.nullValue);
    }
    if (Object.keys(record).length > columns.length) this.checkExtra(record);
    return prefix + this.line(values);
  }

  /** The header line, when the columns are known before the first row. */
  header(): string {
    return this.layout.header && this.columns ? this.line(this.columns) : '';
  }

  private line(fields: string[]): string {
    const { delimiter, quote } = this.layout;
    let out = '';
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      if (i > 0) out += delimiter;
      out += this.needsQuotes.test(field)
        ? quote + field.replace(this.quotes, quote + quote) + quote
        : field;
    }
    return `${out}\n`;
  }

  private checkExtra(record: Record<string, unknown>): void {
    const known = new Set(this.columns);
    const extra = Object.keys(record).find((key) => !known.has(key));
    if (extra !== undefined) {
      throw new ConnectorError(
        `${this.where}: record has a column '${extra}' that is not among the columns written (${[...known].join(', ')})`,
        { details: { column: extra } },
      );
    }
  }
}

export function csvFile<T = Record<string, unknown>>(
  path: string,
  options?: CsvFileOptions,
): Sink<T> {
  checkPath('csvFile', path);
  const name = `csvFile(${path})`;
  const layout = csvLayout(name, options);
  return {
    name,
    async createWriter(ctx: InstanceContext): Promise<SinkWriter<T>> {
      const file = instancePath(path, ctx.instance, ctx.parallelism);
      const formatter = new CsvLineFormatter(layout, file);
      return lineWriter(
        new TextWriter(await fileByteSink(file, name), file),
        (row) => formatter.format(row),
        formatter.header(),
        { file },
      );
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
