/**
 * Options of the Cassandra sink, validated eagerly.
 *
 * `resolveConfig` runs when the graph is built, on every worker, so a mistake fails the job
 * before any socket opens, with a `ConfigError` naming the option. The result is plain,
 * frozen data except for the password, a `Secret` that never prints (see secret.ts), and the
 * TLS options, which may carry a private key and are redacted from every printed form.
 *
 * A URL gives the connection in one string:
 *   cassandra://user:pass@host1:9042,host2/keyspace?dc=dc1&consistency=LOCAL_QUORUM&tls=true
 * Explicit options override the parts of the URL.
 */

import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { inspect } from 'node:util';
import { ConfigError } from '../../runtime/errors.ts';
import { type MaxErrors, parseMaxErrors } from './error-budget.ts';
import { REDACTED, Secret } from './secret.ts';

/** Cassandra's limit on a TTL: 20 years, in seconds. */
export const MAX_TTL_SECONDS = 630_720_000;

export const CONSISTENCIES = [
  'ANY',
  'ONE',
  'TWO',
  'THREE',
  'QUORUM',
  'ALL',
  'LOCAL_QUORUM',
  'EACH_QUORUM',
  'LOCAL_ONE',
] as const;
export type ConsistencyName = (typeof CONSISTENCIES)[number];

/**
 * How to reach a cluster: shared by the sink and every command that connects. A type, not an
 * interface, so that it is plain data as job params (`Params`) must be.
 */
export type ConnectionOptions = {
  /** "host" or "host:port" ("[::1]:9042" for IPv6); a string may list several, comma-separated. */
  contactPoints?: string | string[];
  /** Port of contact points that do not name one; default 9042. */
  port?: number;
  /** Default LOCAL_QUORUM: a bulk load should survive the loss of one replica. */
  consistency?: ConsistencyName;
  username?: string;
  password?: string;
  tls?: boolean | TlsOptions;
  /** Default "datacenter1", the data center of Cassandra's SimpleSnitch. */
  localDataCenter?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
};

export interface CassandraOptions extends ConnectionOptions {
  url?: string;
  keyspace?: string;
  table?: string;
  /**
   * Column name → record field. Columns not listed are not written; without it, fields map to
   * columns by name. A field written as a function call (`now()`) fills the column with the
   * function's value; the targets `__ttl` and `__timestamp` give each row its TTL (seconds) or
   * write time (a timestamp). With `query`, the targets are its bind variables.
   */
  mapping?: Record<string, string>;
  /** Columns not in `mapping` also take the field of their name (DSBulk's `* = *`); default: only without `mapping`. */
  isMappedByName?: boolean;
  /** Columns left out of those mapped by name (DSBulk's `* = [-c2, -c3]`). */
  excludedColumns?: string[];
  /** A custom INSERT or UPDATE (DSBulk's `schema.query`), with `:name` or `?` bind markers. */
  query?: string;
  /** TTL of every write, seconds (0 to 630720000); default none. */
  ttlSeconds?: number;
  /** Write time of every write, microseconds since the epoch; default the coordinator's clock. */
  timestampMicros?: number;
  /**
   * What a null field does: `unset` leaves the column as it is, writing no tombstone (DSBulk's
   * `schema.nullToUnset true`, the default); `null` writes a null, deleting any value.
   */
  nulls?: NullWrite;
  /** Bad records tolerated before the job fails: a count, or a percentage of the records received ("5%"). */
  maxErrors?: number | string;
  /** JSON Lines file of rejected records; each instance writes its own file (".<instance>" before the extension). */
  badFile?: string;
  /**
   * Rows per request, their approximate size, how long (ms) a partly filled batch may wait,
   * and which rows may share a batch: those of one partition, or those of any partitions
   * stored by the same replicas (see `BatchGrouping`).
   */
  batch?: { maxRows?: number; maxBytes?: number; lingerMs?: number; groupBy?: BatchGrouping };
  /** Rows held in open (not yet full) batches before they are all sent; bounds memory. */
  maxBufferedRows?: number;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Bounds of the adaptive per-host in-flight window, in requests. */
  window?: { initial?: number; min?: number; max?: number };
  /**
   * Requests in flight at once over every instance of the sink together (DSBulk's
   * `maxConcurrentQueries`; a batch is one request): a ceiling on the adaptive windows. The
   * sink then runs at most this many instances. Default: the windows alone decide.
   */
  maxConcurrentQueries?: number;
  /** Rows sent per second over every instance together; a retried row counts again. Default: no limit. */
  maxRowsPerSecond?: number;
  /** Bytes of serialized values sent per second over every instance together. Default: no limit. */
  maxBytesPerSecond?: number;
}

export const NULL_WRITES = ['unset', 'null'] as const;
export type NullWrite = (typeof NULL_WRITES)[number];

export const BATCH_GROUPINGS = ['partition', 'replicaSet'] as const;
/**
 * - `partition`: a batch holds rows of one partition; a table of single-row partitions then
 *   sends one row per request.
 * - `replicaSet`: a batch holds rows of any partitions whose replicas are the same hosts, so
 *   its coordinator (one of them) applies every mutation locally or forwards it to a replica
 *   it would forward to anyway. Fewer, larger requests: the mode for bulk loads.
 */
export type BatchGrouping = (typeof BATCH_GROUPINGS)[number];

export interface ContactPoint {
  host: string;
  port: number;
}

/** A validated `ConnectionOptions`: plain, frozen data except the secrets. */
export interface ConnectionConfig {
  readonly contactPoints: readonly ContactPoint[];
  readonly consistency: ConsistencyName;
  readonly username: string | undefined;
  readonly password: Secret | undefined;
  /** TLS options may hold a private key or its passphrase, so they are kept as a secret too. */
  readonly tls: false | Secret<TlsOptions>;
  readonly localDataCenter: string;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

export interface CassandraConfig extends ConnectionConfig {
  readonly keyspace: string;
  readonly table: string;
  readonly mapping: Readonly<Record<string, string>> | undefined;
  readonly isMappedByName: boolean;
  readonly excludedColumns: readonly string[];
  readonly query: string | undefined;
  readonly ttlSeconds: number | undefined;
  readonly timestampMicros: number | undefined;
  readonly nulls: NullWrite;
  readonly maxErrors: MaxErrors;
  readonly badFile: string;
  readonly batch: {
    readonly maxRows: number;
    readonly maxBytes: number;
    readonly lingerMs: number;
    readonly groupBy: BatchGrouping;
  };
  readonly maxBufferedRows: number;
  readonly retry: {
    readonly maxAttempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
  };
  readonly window: { readonly initial: number; readonly min: number; readonly max: number };
  /** Over every instance together; undefined: no limit (see rate-limit.ts for the shares). */
  readonly maxConcurrentQueries: number | undefined;
  readonly maxRowsPerSecond: number | undefined;
  readonly maxBytesPerSecond: number | undefined;
}

const DEFAULT_PORT = 9042;
const DEFAULT_GROUPING: BatchGrouping = 'replicaSet';
const KNOWN_OPTIONS = new Set([
  'url',
  'contactPoints',
  'port',
  'keyspace',
  'table',
  'consistency',
  'username',
  'password',
  'tls',
  'localDataCenter',
  'mapping',
  'isMappedByName',
  'excludedColumns',
  'query',
  'ttlSeconds',
  'timestampMicros',
  'nulls',
  'maxErrors',
  'badFile',
  'batch',
  'maxBufferedRows',
  'retry',
  'window',
  'requestTimeoutMs',
  'connectTimeoutMs',
  'maxConcurrentQueries',
  'maxRowsPerSecond',
  'maxBytesPerSecond',
]);
// Cassandra quotes nothing in the names we accept, so the statement text needs no escaping.
/** An unquoted CQL name of a keyspace, table or column, as Cassandra accepts it (48 characters at most). */
export const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;

function fail(option: string, expected: string, got: unknown): never {
  const shown = option === 'password' ? REDACTED : inspect(got, { depth: 1, breakLength: 200 });
  throw new ConfigError(`cassandra(): option "${option}" must be ${expected}, got ${shown}`, {
    details: { option },
  });
}

function integer(option: string, value: unknown, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** A rate: a positive finite number, or undefined for no limit. */
function rate(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(option, 'a number greater than 0 (per second)', value);
  }
  return value;
}

export function parseContactPoint(text: string, defaultPort: number, option: string): ContactPoint {
  const trimmed = text.trim();
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(trimmed);
  if (!match) fail(option, 'a list of "host" or "host:port"', text);
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port < 1 || port > 65535) fail(option, 'ports from 1 to 65535', text);
  return { host: (match[1] ?? match[2])!, port };
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // Never echo the part: it may be the password.
    throw new ConfigError(
      `cassandra(): the ${what} in option "url" is not valid percent-encoding`,
      {
        details: { option: 'url' },
      },
    );
  }
}

interface UrlParts {
  username?: string;
  password?: string;
  hosts: string;
  keyspace?: string;
  table?: string;
  query: URLSearchParams;
}

/** Splits the URL by hand: WHATWG `URL` rejects a host list such as "h1:9042,h2". */
export function parseUrl(url: string): UrlParts {
  const match = /^cassandra:\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(url);
  if (!match) {
    // The URL may hold a password: show only its scheme.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
    throw new ConfigError(
      `cassandra(): option "url" must look like cassandra://user:pass@host1:9042,host2/keyspace?dc=dc1 (scheme given: ${scheme})`,
      { details: { option: 'url' } },
    );
  }
  const [, userInfo, hosts, path, query] = match;
  const parts: UrlParts = { hosts: hosts ?? '', query: new URLSearchParams(query ?? '') };
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    parts.username = decode(colon < 0 ? userInfo : userInfo.slice(0, colon), 'user name');
    if (colon >= 0) parts.password = decode(userInfo.slice(colon + 1), 'password');
  }
  const segments = (path ?? '').split('/').filter((s) => s !== '');
  if (segments.length > 2) fail('url', 'a path of "/keyspace" or "/keyspace/table"', `/${path}`);
  if (segments[0] !== undefined) parts.keyspace = decode(segments[0], 'keyspace');
  if (segments[1] !== undefined) parts.table = decode(segments[1], 'table');
  return parts;
}

const URL_PARAMS = new Set(['dc', 'consistency', 'tls', 'table']);

function parseMapping(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('mapping', 'an object of column name → record field', value);
  }
  const entries = Object.entries(value);
  if (entries.length === 0) fail('mapping', 'an object naming at least one column', value);
  for (const [column, field] of entries) {
    if (!IDENTIFIER.test(column) && column !== '__ttl' && column !== '__timestamp') {
      fail(`mapping.${column}`, 'a column name (a CQL identifier), __ttl or __timestamp', column);
    }
    if (typeof field !== 'string' || field === '') {
      fail(`mapping.${column}`, 'a field name or a function call', field);
    }
  }
  return Object.freeze(Object.fromEntries(entries)) as Record<string, string>;
}

function parseTls(value: unknown): false | Secret<TlsOptions> {
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return new Secret({});
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return new Secret({ ...(value as TlsOptions) });
  }
  return fail('tls', 'a boolean or Node TLS connection options', typeof value);
}

export function resolveConfig(options: CassandraOptions): CassandraConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('cassandra(): expected an options object', { details: { option: '' } });
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key))
      fail(key, `one of the known options (${[...KNOWN_OPTIONS].join(', ')})`, key);
  }
  let url: UrlParts | undefined;
  if (options.url !== undefined) {
    if (typeof options.url !== 'string') fail('url', 'a string', typeof options.url);
    url = parseUrl(options.url);
    for (const key of url.query.keys()) {
      if (!URL_PARAMS.has(key)) fail(`url?${key}`, `one of ${[...URL_PARAMS].join(', ')}`, key);
    }
  }
  const connection = resolveConnection(
    {
      ...options,
      contactPoints: options.contactPoints ?? url?.hosts,
      consistency: options.consistency ?? (url?.query.get('consistency') as ConsistencyName),
      username: options.username ?? url?.username,
      password: options.password ?? url?.password,
      localDataCenter: options.localDataCenter ?? url?.query.get('dc') ?? undefined,
      tls: options.tls ?? (url?.query.get('tls') as unknown as boolean) ?? undefined,
    },
    options.contactPoints === undefined ? 'url' : 'contactPoints',
  );

  const keyspace = options.keyspace ?? url?.keyspace;
  if (typeof keyspace !== 'string' || !IDENTIFIER.test(keyspace)) {
    fail('keyspace', 'a keyspace name (letters, digits, _; given as option or URL path)', keyspace);
  }
  const table = options.table ?? url?.table ?? url?.query.get('table') ?? undefined;
  if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
    fail('table', 'a table name (letters, digits, _)', table);
  }
  const batchOption = options.batch ?? {};
  const maxRows = integer('batch.maxRows', batchOption.maxRows, 32, 1, 65535);
  // Cassandra warns on batches over 5 KiB (batch_size_warn_threshold); stay under by default.
  const maxBytes = integer('batch.maxBytes', batchOption.maxBytes, 4096, 1, 64 * 1024 * 1024);
  const lingerMs = integer('batch.lingerMs', batchOption.lingerMs, 5, 0, 60_000);
  const groupBy = batchOption.groupBy ?? DEFAULT_GROUPING;
  if (!(BATCH_GROUPINGS as readonly unknown[]).includes(groupBy)) {
    fail('batch.groupBy', `one of ${BATCH_GROUPINGS.map((g) => `"${g}"`).join(', ')}`, groupBy);
  }
  const retryOption = options.retry ?? {};
  const windowOption = options.window ?? {};
  const windowMin = integer('window.min', windowOption.min, 1, 1, 1 << 15);
  const windowMax = integer('window.max', windowOption.max, 256, windowMin, 1 << 15);
  const baseDelayMs = integer('retry.baseDelayMs', retryOption.baseDelayMs, 50, 0, 60_000);
  const badFile = options.badFile ?? `.sluice/bad/${keyspace}.${table}.jsonl`;
  if (typeof badFile !== 'string' || badFile === '') fail('badFile', 'a file path', badFile);

  const mapping = parseMapping(options.mapping);
  const isMappedByName = options.isMappedByName ?? mapping === undefined;
  if (typeof isMappedByName !== 'boolean') fail('isMappedByName', 'a boolean', isMappedByName);
  const excludedColumns = options.excludedColumns ?? [];
  if (!Array.isArray(excludedColumns) || !excludedColumns.every((c) => IDENTIFIER.test(c))) {
    fail('excludedColumns', 'a list of column names', excludedColumns);
  }
  if (
    options.query !== undefined &&
    (typeof options.query !== 'string' || options.query.trim() === '')
  ) {
    fail('query', 'an INSERT or UPDATE statement', options.query);
  }
  const nulls = options.nulls ?? 'unset';
  if (!(NULL_WRITES as readonly unknown[]).includes(nulls)) {
    fail('nulls', `one of ${NULL_WRITES.map((n) => `"${n}"`).join(', ')}`, nulls);
  }
  const timestampMicros = options.timestampMicros;
  if (
    timestampMicros !== undefined &&
    (typeof timestampMicros !== 'number' || !Number.isSafeInteger(timestampMicros))
  ) {
    fail('timestampMicros', 'a whole number of microseconds since the epoch', timestampMicros);
  }

  const config: CassandraConfig = {
    ...connection,
    keyspace,
    table,
    mapping,
    isMappedByName,
    excludedColumns: Object.freeze([...excludedColumns]),
    query: options.query,
    ttlSeconds:
      options.ttlSeconds === undefined
        ? undefined
        : integer('ttlSeconds', options.ttlSeconds, 0, 0, MAX_TTL_SECONDS),
    timestampMicros,
    nulls,
    maxErrors: Object.freeze(parseMaxErrors(options.maxErrors, 'cassandra(): option "maxErrors"')),
    badFile,
    batch: Object.freeze({ maxRows, maxBytes, lingerMs, groupBy }),
    maxBufferedRows: integer('maxBufferedRows', options.maxBufferedRows, 4096, 1, 1 << 24),
    retry: Object.freeze({
      maxAttempts: integer('retry.maxAttempts', retryOption.maxAttempts, 6, 1, 100),
      baseDelayMs,
      maxDelayMs: integer('retry.maxDelayMs', retryOption.maxDelayMs, 5000, baseDelayMs, 600_000),
    }),
    window: Object.freeze({
      initial: integer('window.initial', windowOption.initial, 8, windowMin, windowMax),
      min: windowMin,
      max: windowMax,
    }),
    maxConcurrentQueries:
      options.maxConcurrentQueries === undefined
        ? undefined
        : integer('maxConcurrentQueries', options.maxConcurrentQueries, 0, 1, 1 << 20),
    maxRowsPerSecond: rate('maxRowsPerSecond', options.maxRowsPerSecond),
    maxBytesPerSecond: rate('maxBytesPerSecond', options.maxBytesPerSecond),
  };
  return redacted(config);
}

/**
 * Validates how to reach a cluster; `contactPointsOption` names where the hosts came from in
 * errors. Used by `resolveConfig` and by every command that connects without a sink.
 */
export function resolveConnection(
  options: ConnectionOptions,
  contactPointsOption = 'contactPoints',
): ConnectionConfig {
  const port = integer('port', options.port, DEFAULT_PORT, 1, 65535);
  const contactPoints = parseContactPoints(options.contactPoints, port, contactPointsOption);
  const consistency = options.consistency ?? 'LOCAL_QUORUM';
  if (!(CONSISTENCIES as readonly unknown[]).includes(consistency)) {
    fail('consistency', `one of ${CONSISTENCIES.join(', ')}`, consistency);
  }
  const username = options.username;
  if (username !== undefined && (typeof username !== 'string' || username === '')) {
    fail('username', 'a non-empty string', username);
  }
  const password = options.password;
  if (password !== undefined && typeof password !== 'string')
    fail('password', 'a string', password);
  if (password !== undefined && username === undefined) {
    fail('username', 'given when a password is given', undefined);
  }
  const localDataCenter = options.localDataCenter ?? 'datacenter1';
  if (typeof localDataCenter !== 'string' || localDataCenter === '') {
    fail('localDataCenter', 'a data center name', localDataCenter);
  }
  const tlsOption: unknown = options.tls;
  if (typeof tlsOption === 'string' && tlsOption !== 'true' && tlsOption !== 'false') {
    fail('url?tls', '"true" or "false"', tlsOption);
  }
  return redacted({
    contactPoints,
    consistency,
    username,
    password: password === undefined ? undefined : new Secret(password),
    tls: parseTls(tlsOption),
    localDataCenter,
    requestTimeoutMs: integer('requestTimeoutMs', options.requestTimeoutMs, 12_000, 1, 3_600_000),
    connectTimeoutMs: integer('connectTimeoutMs', options.connectTimeoutMs, 5_000, 1, 600_000),
  });
}

/**
 * Contact points from "h1,h2:9043,[::1]" or a list of such strings, each with `port` unless it
 * names its own. The one parser of host lists: the sink, `sluice load` and `sluice bench`.
 */
export function parseContactPoints(
  raw: unknown,
  port: number,
  option: string,
): readonly ContactPoint[] {
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : [];
  const nonEmpty = list.filter((p) => typeof p !== 'string' || p.trim() !== '');
  // No hosts at all: name the option that gives them, even when the URL had an empty host list.
  if (nonEmpty.length === 0) {
    fail(option === 'url' ? 'contactPoints' : option, 'at least one host (or give "url")', raw);
  }
  return Object.freeze(
    nonEmpty.map((p) => {
      if (typeof p !== 'string') fail(option, 'a list of host strings', p);
      return Object.freeze(parseContactPoint(p, port, option));
    }),
  );
}

/** "host:port", with brackets around an IPv6 host, as the driver takes contact points. */
export function formatContactPoint(point: ContactPoint): string {
  return point.host.includes(':') ? `[${point.host}]:${point.port}` : `${point.host}:${point.port}`;
}

/** Freezes a config whose every printed form (JSON, inspect) redacts the secrets. */
function redacted<T extends ConnectionConfig>(config: T): T {
  // Non-enumerable, so spreading the config copies data only; printing it goes through the redaction.
  Object.defineProperties(config, {
    toJSON: { value: () => describeConfig(config) },
    [inspect.custom]: { value: () => describeConfig(config) },
  });
  return Object.freeze(config);
}

/** The config as printable data: the password and any TLS material are redacted. */
export function describeConfig(config: ConnectionConfig): Record<string, unknown> {
  return {
    ...config,
    contactPoints: config.contactPoints.map(formatContactPoint),
    password: config.password === undefined ? undefined : REDACTED,
    tls: config.tls !== false,
  };
}
