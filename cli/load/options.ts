/**
 * The options of `sluice load`, as commander hands them over (after `argv.ts` rewrote the
 * DSBulk spellings), turned into a validated `LoadPlan`.
 *
 * Every check fails with a `ConfigError` naming the option. The password is never echoed.
 */

import { IDENTIFIER, MAX_TTL_SECONDS, type NullWrite } from '../../connectors/cassandra/config.ts';
import { writeTimeMicros } from '../../connectors/cassandra/convert.ts';
import { type MaxErrors, parseMaxErrors } from '../../connectors/cassandra/error-budget.ts';
import { parseMappingText } from '../../connectors/cassandra/mapping.ts';
import { parseWriteQuery } from '../../connectors/cassandra/write-query.ts';
import { splitInputs } from '../../connectors/files/inputs.ts';
import { ConfigError } from '../../runtime/errors.ts';
import {
  type ConnectionArgs,
  type ConnectionFlag,
  type ConnectionPlan,
  resolveConnectionArgs,
} from '../connection-options.ts';
import { parseThrottles, type Throttles } from './executor-options.ts';
import type { LoadJobParams } from './job.ts';

/** What commander hands over, all strings as typed (booleans may be true or "true"/"false"). */
export interface LoadArgs extends ConnectionArgs {
  url?: string;
  keyspace?: string;
  table?: string;
  header?: string;
  delim?: string;
  mapping?: string;
  query?: string;
  ttl?: string;
  timestamp?: string;
  nullToUnset?: boolean | string;
  maxErrors?: string;
  dryRun?: boolean | string;
  allowMissingFields?: boolean | string;
  allowExtraFields?: boolean | string;
  nullValue?: string;
  connector?: string;
  workers?: string;
  report?: string;
  badFile?: string;
  recursive?: boolean | string;
  extensions?: string;
  quote?: string;
  escape?: string;
  comment?: string;
  ignoreLeadingWhitespaces?: boolean | string;
  maxCharsPerColumn?: string;
  skipRecords?: string;
  maxRecords?: string;
  logDirectory?: string;
  maxConcurrentQueries?: string;
  maxPerSecond?: string;
  maxBytesPerSecond?: string;
}

export type InputFormat = 'csv' | 'jsonl';

/** Validated and plain: it becomes the load job's params. The throttles are the whole load's. */
export interface LoadPlan extends ConnectionPlan, Throttles {
  /** The inputs as named (comma-separated entries), or ['-'] for stdin. */
  inputs: string[];
  format: InputFormat;
  recursive: boolean;
  extensions: string[];
  header: boolean;
  delimiter: string;
  /** Fields equal to this become null; default '' (an empty field is null, as in DSBulk). */
  nullValue: string;
  /** Target → record field or function call, for the sink; undefined: none given. */
  mapping: Record<string, string> | undefined;
  /** Columns not in `mapping` take the field of their name (`* = *`, or no -m). */
  isMappedByName: boolean;
  /** Columns left out of those mapped by name (`* = [-c2, -c3]`). */
  excludedColumns: string[];
  /** A custom INSERT or UPDATE (-query); -k and -t then default to the table it names. */
  query: string | undefined;
  /** TTL of every write, seconds (-ttl); undefined for none. */
  ttlSeconds: number | undefined;
  /** Write time of every write, µs since the epoch (-timestamp); undefined for the coordinator's clock. */
  timestampMicros: number | undefined;
  /** What a null field does: `unset` (DSBulk's nullToUnset, the default) or `null` (a tombstone). */
  nulls: NullWrite;
  /** With `header: false`, the fields are named by position: "0", "1", … */
  isPositional: boolean;
  /** DSBulk's connector.csv settings: quote, escape, comment ('' for none), leading spaces, limits. */
  csv: LoadJobParams['csv'];
  /** DSBulk's log.directory: each load writes LOAD_<timestamp>/ in it. */
  logDirectory: string;
  keyspace: string;
  table: string;
  maxErrors: MaxErrors;
  isDryRun: boolean;
  /** A column with no field is left unset (DSBulk's `schema.allowMissingFields`). */
  allowMissingFields: boolean;
  /** A field with no column is ignored, with a warning (DSBulk's `schema.allowExtraFields`). */
  allowExtraFields: boolean;
  workers: number | undefined;
  reportPath: string | undefined;
  /** Set: the sink's bad rows go here, one file per instance, as the library names them. */
  badFile: string | undefined;
}

/** The connection flags as DSBulk users type them. */
const LOAD_FLAGS: Record<ConnectionFlag, string> = {
  host: 'h',
  port: 'port',
  dc: 'dc',
  consistency: 'cl',
  username: 'u',
  password: 'p',
  tls: 'tls',
};

function bad(option: string, expected: string, got?: string): ConfigError {
  const shown = got === undefined ? '' : `, got ${JSON.stringify(got)}`;
  return new ConfigError(`option -${option} must be ${expected}${shown}`, {
    details: { option },
  });
}

function bool(option: string, value: boolean | string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw bad(option, 'true or false', String(value));
}

function positiveInt(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw bad(option, 'an integer ≥ 1', value);
  return n;
}

/** `env` supplies SLUICE_PASSWORD; a password on the command line wins. */
export function resolveLoadOptions(
  args: LoadArgs,
  env: Record<string, string | undefined> = process.env,
): LoadPlan {
  if (args.url === undefined || args.url.trim() === '') {
    throw bad('url', 'given: a file, a directory, a glob, several comma-separated, or - for stdin');
  }
  let inputs: string[];
  try {
    inputs = splitInputs(args.url);
  } catch (error) {
    throw new ConfigError(`option -url: ${(error as Error).message}`, {
      details: { option: 'url' },
    });
  }
  const target = queryTarget(args);
  for (const [option, value] of [
    ['k', target.keyspace],
    ['t', target.table],
  ] as const) {
    if (value === undefined)
      throw bad(option, `given (the ${option === 'k' ? 'keyspace' : 'table'})`);
    if (!IDENTIFIER.test(value))
      throw bad(option, 'a CQL name (a letter, then letters, digits, _)', value);
  }
  const connector = (args.connector ?? 'csv').toLowerCase();
  const format: InputFormat | undefined =
    connector === 'csv'
      ? 'csv'
      : connector === 'json' || connector === 'jsonl'
        ? 'jsonl'
        : undefined;
  if (format === undefined) throw bad('connector.name', 'csv or json', args.connector);
  const header = bool('header', args.header, true);
  if (format === 'jsonl' && args.header !== undefined) {
    throw bad('header', 'left out with -c json (JSON Lines objects name their fields)');
  }
  const delimiter = args.delim === undefined ? ',' : unescapeDelimiter(args.delim);
  if (delimiter === '' || /[\r\n"]/.test(delimiter)) {
    throw bad('delim', 'a non-empty string without line breaks or quotes', args.delim);
  }
  if (format === 'jsonl') {
    for (const [option, value] of [
      ['skipRecords', args.skipRecords],
      ['maxRecords', args.maxRecords],
    ] as const) {
      if (value !== undefined)
        throw bad(option, 'left out with -c json (CSV only, for now)', value);
    }
  }
  const isPositional = format === 'csv' && !header;
  const mappingText = args.mapping;
  const parsedMapping =
    mappingText === undefined
      ? { mapping: undefined, isMappedByName: true, excludedColumns: [] }
      : parseMappingText(mappingText, isPositional, (expected) => bad('m', expected, mappingText));
  const mapping = parsedMapping.mapping;
  if (isPositional && mapping === undefined) {
    throw bad(
      'm',
      "given with -header false, to name the column of each field: -m '0=id, 1=name' or -m 'id, name'",
    );
  }
  const connection = resolveConnectionArgs(args, env, (flag, expected, got) =>
    bad(LOAD_FLAGS[flag], expected, got),
  );
  return {
    inputs,
    format,
    recursive: bool('recursive', args.recursive, false),
    extensions: parseExtensions(args.extensions, format),
    header,
    delimiter,
    nullValue: args.nullValue ?? '',
    ...parsedMapping,
    isPositional,
    keyspace: target.keyspace!,
    table: target.table!,
    query: args.query,
    ttlSeconds: parseTtl(args.ttl),
    timestampMicros: parseTimestamp(args.timestamp),
    nulls: bool('nullToUnset', args.nullToUnset, true) ? 'unset' : 'null',
    ...connection,
    maxErrors: parseMaxErrors(args.maxErrors, 'option -maxErrors'),
    isDryRun: bool('dryRun', args.dryRun, false),
    allowMissingFields: bool('allowMissingFields', args.allowMissingFields, false),
    allowExtraFields: bool('allowExtraFields', args.allowExtraFields, true),
    workers: positiveInt('workers', args.workers),
    reportPath: args.report,
    badFile: args.badFile,
    csv: csvSettings(args),
    logDirectory: args.logDirectory ?? 'logs',
    ...parseThrottles(args),
  };
}

/** One ASCII character (a quote, an escape, a comment); `none` for none, where allowed. */
function oneChar(
  option: string,
  text: string | undefined,
  fallback: string,
  isNoneAllowed = false,
) {
  if (text === undefined) return fallback;
  const value = text === '\\t' ? '\t' : text;
  if (isNoneAllowed && (value === '' || value === 'none' || value === '\\0')) return '';
  if (value.length !== 1 || value.charCodeAt(0) > 0x7f || /[\r\n]/.test(value)) {
    throw bad(option, `one ASCII character${isNoneAllowed ? ", or 'none'" : ''}`, text);
  }
  return value;
}

/** A count ≥ 0, with -1 for no limit (DSBulk's spelling). */
function countOrNone(option: string, text: string | undefined): number {
  if (text === undefined || text.trim() === '-1') return -1;
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw bad(option, 'a count ≥ 0, or -1 for no limit', text);
  }
  return Number(text);
}

function csvSettings(args: LoadArgs): LoadPlan['csv'] {
  const quote = oneChar('connector.csv.quote', args.quote, '"');
  const comment = oneChar('connector.csv.comment', args.comment, '', true);
  const delimiter = args.delim === undefined ? ',' : unescapeDelimiter(args.delim);
  if (comment !== '' && (comment === quote || delimiter.includes(comment))) {
    throw bad('connector.csv.comment', 'distinct from the quote and the delimiter', comment);
  }
  const maxChars = countOrNone('connector.csv.maxCharsPerColumn', args.maxCharsPerColumn);
  if (maxChars === 0)
    throw bad('connector.csv.maxCharsPerColumn', 'at least 1, or -1 for no limit', '0');
  return {
    quote,
    // Default: the quote itself, RFC 4180's doubled quote (DSBulk's default is a backslash;
    // -escape '\\' reads `\"` inside quoted fields as it does).
    escape: oneChar('connector.csv.escape', args.escape, quote),
    comment,
    ltrim: bool('connector.csv.ignoreLeadingWhitespaces', args.ignoreLeadingWhitespaces, false),
    maxCharsPerColumn: Math.max(0, maxChars),
    skipRecords: Math.max(0, countOrNone('skipRecords', args.skipRecords)),
    maxRecords: countOrNone('maxRecords', args.maxRecords),
  };
}

/**
 * The keyspace and table: -k and -t, or with -query the table it writes to (DSBulk reads
 * them from the query too). A query that does not parse fails here, before any connection.
 */
function queryTarget(args: LoadArgs): { keyspace: string | undefined; table: string | undefined } {
  const text = args.query;
  if (text === undefined) return { keyspace: args.keyspace, table: args.table };
  if (text.trim() === '') throw bad('query', 'an INSERT or UPDATE statement', text);
  const parsed = parseWriteQuery(
    text,
    (message) => new ConfigError(`option -query: ${message}`, { details: { option: 'query' } }),
  );
  if (args.table !== undefined && args.table !== parsed.table) {
    throw bad('t', `left out, or the table -query writes to (${parsed.table})`, args.table);
  }
  if (
    args.keyspace !== undefined &&
    parsed.keyspace !== undefined &&
    args.keyspace !== parsed.keyspace
  ) {
    throw bad(
      'k',
      `left out, or the keyspace -query writes to (${parsed.keyspace})`,
      args.keyspace,
    );
  }
  return { keyspace: args.keyspace ?? parsed.keyspace, table: parsed.table };
}

/** DSBulk's `schema.queryTtl`: seconds, -1 (its default) for none. */
function parseTtl(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '-1') return undefined;
  if (text === 'true' || text === 'false') throw preserveError('ttl', 'queryTtl', 'TTL');
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || n > MAX_TTL_SECONDS) {
    throw bad('ttl', `whole seconds from 0 to ${MAX_TTL_SECONDS} (20 years), or -1 for none`, text);
  }
  return n;
}

/** DSBulk's `schema.queryTimestamp`: an ISO date-time (UTC without a zone), to the microsecond. */
function parseTimestamp(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === 'true' || text === 'false')
    throw preserveError('timestamp', 'queryTimestamp', 'write time');
  const micros = writeTimeMicros(text);
  if (micros === undefined) {
    throw bad(
      'timestamp',
      'an ISO date-time such as 2024-05-01T12:00:00.123456Z, or milliseconds since the epoch (up to year 9999)',
      text,
    );
  }
  return Number(micros);
}

/**
 * DSBulk's own `-ttl` and `-timestamp` shortcuts are `schema.preserveTtl` and
 * `schema.preserveTimestamp` (booleans, for moving cells with their TTLs and write times),
 * which Sluice does not have: say so rather than read `true` as a number.
 */
function preserveError(option: string, setting: string, what: string): ConfigError {
  return bad(
    option,
    `a ${what} for every row (--schema.${setting}); DSBulk's -${option} true|false ` +
      `(schema.preserve${setting.slice(5)}) is not supported: map a field to __${option === 'ttl' ? 'ttl' : 'timestamp'} instead`,
  );
}

/** DSBulk accepts `\t` spelled out; a shell passes it as two characters. */
function unescapeDelimiter(text: string): string {
  return text === '\\t' ? '\t' : text;
}

function parseExtensions(text: string | undefined, format: InputFormat): string[] {
  if (text === undefined) {
    return format === 'csv' ? ['.csv', '.csv.gz'] : ['.json', '.jsonl', '.json.gz', '.jsonl.gz'];
  }
  const list = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  // "*" (or an empty list) takes every file of a directory.
  if (list.includes('*')) return [];
  return list.map((e) => (e.startsWith('.') ? e : `.${e}`));
}

/** What the summary and the report say about the options: never the password. */
export function describePlan(plan: LoadPlan): Record<string, unknown> {
  const { password, ...rest } = plan;
  return { ...rest, password: password === undefined ? undefined : '***' };
}
