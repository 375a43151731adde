/**
 * The driver side of the sink: connecting, sending one request to one chosen host, and
 * sorting the driver's errors into what the writer should do with them.
 *
 * The writer owns routing and retries, so the driver is told to do neither: every request
 * names its coordinator (the `host` execution option bypasses the load-balancing policy)
 * and the retry policy rethrows at once. The routing key is still set, for request
 * trackers and for any policy a user plugs in.
 */

import cassandra from 'cassandra-driver';
import { ConnectorError } from '../../runtime/errors.ts';
import { type CassandraConfig, type ConnectionConfig, formatContactPoint } from './config.ts';
import { fixEarlyClose } from './driver-fix.ts';
import type { BoundRow } from './schema.ts';
import { describeTlsFailure } from './tls-failure.ts';

const { consistencies, responseErrorCodes } = cassandra.types;

/** What the writer does with a failed request. */
export type FailureKind =
  /** The coordinator did not hear back from enough replicas in time: retry, shrink the window. */
  | 'timeout'
  /** The host is overloaded: retry, shrink the window hard. */
  | 'overloaded'
  /** Not enough live replicas, or a replica failed to apply the write: retry later. */
  | 'unavailable'
  /** The coordinator could not be reached: retry, maybe on another replica. */
  | 'unreachable'
  /** The request itself is wrong (a value Cassandra refuses): retrying cannot help. */
  | 'rejected';

/** The writer's view of the cluster; the driver implements it, tests may fake it. */
export interface WriteExecutor {
  /** Sends rows of one batch group (one row: a statement; more: an unlogged batch) to `host`. Resolves with the coordinator's address. */
  send(host: string, rows: readonly BoundRow[]): Promise<string>;
  isUp(host: string): boolean;
  classify(error: unknown): FailureKind;
}

class NoRetryPolicy extends cassandra.policies.retry.RetryPolicy {
  override onReadTimeout() {
    return this.rethrowResult();
  }
  override onWriteTimeout() {
    return this.rethrowResult();
  }
  override onUnavailable() {
    return this.rethrowResult();
  }
  override onRequestError() {
    return this.rethrowResult();
  }
}

export function describeContactPoints(config: ConnectionConfig): string {
  return config.contactPoints.map(formatContactPoint).join(', ');
}

export interface ConnectSettings {
  /**
   * Who retries a failed request. `caller` (the sink's writer, which owns retries and routing):
   * the driver rethrows at once. `driver`: the driver's default retry policy, for callers that
   * route through the driver's token-aware policy and count what fails (`sluice bench`).
   */
  retries?: 'caller' | 'driver';
  /**
   * Told of what deserves a word but does not stop the connect: a password given to a cluster
   * that asks for none. Callers that speak to the user pass it; the sink's workers do not, so
   * a load says it once.
   */
  onWarning?: (message: string) => void;
}

/** Password authentication that remembers whether a host asked for it. */
class PasswordAuth extends cassandra.auth.PlainTextAuthProvider {
  isRequested = false;

  override newAuthenticator(endpoint: string, name: string): cassandra.auth.Authenticator {
    this.isRequested = true;
    return super.newAuthenticator(endpoint, name);
  }
}

/**
 * The one way Sluice opens a driver client: connects, or fails with a `ConnectorError` naming
 * the contact points (never the credentials). The driver's default load balancing is
 * token-aware in the local data center.
 */
export async function connect(
  config: ConnectionConfig,
  settings: ConnectSettings = {},
): Promise<cassandra.Client> {
  fixEarlyClose();
  const auth =
    config.username === undefined
      ? undefined
      : new PasswordAuth(config.username, config.password?.reveal() ?? '');
  const client = new cassandra.Client({
    contactPoints: config.contactPoints.map(formatContactPoint),
    localDataCenter: config.localDataCenter,
    ...(auth === undefined ? {} : { authProvider: auth }),
    // The driver turns certificate checks off unless told otherwise; Node's default is on.
    ...(config.tls === false
      ? {}
      : { sslOptions: { rejectUnauthorized: true, ...config.tls.reveal() } }),
    socketOptions: {
      connectTimeout: config.connectTimeoutMs,
      readTimeout: config.requestTimeoutMs,
    },
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
    ...((settings.retries ?? 'caller') === 'caller'
      ? { policies: { retry: new NoRetryPolicy() } }
      : {}),
    queryOptions: { consistency: consistencies[toDriverName(config.consistency)] },
  });
  try {
    await client.connect();
  } catch (error) {
    await client.shutdown().catch(() => {});
    throw new ConnectorError(
      `cannot connect to Cassandra at ${describeContactPoints(config)} (data center ${config.localDataCenter}): ${reasonOf(error, config)}`,
      { cause: error, details: { contactPoints: describeContactPoints(config) } },
    );
  }
  if (auth !== undefined && !auth.isRequested) {
    // The Java driver warns too: credentials the cluster never asked for check nothing.
    settings.onWarning?.(
      `a user name and password were given, but no authentication was requested by ` +
        `${describeContactPoints(config)}: the cluster lets anyone in, and the password was not sent`,
    );
  }
  return client;
}

/** The driver's NoHostAvailableError says "see innerErrors": one line per host says more. */
function reasonOf(error: unknown, config: ConnectionConfig): string {
  const tls = config.tls === false ? false : config.tls.reveal();
  const inner = (error as { innerErrors?: Record<string, unknown> } | undefined)?.innerErrors;
  if (inner !== undefined && Object.keys(inner).length > 0) {
    return Object.entries(inner)
      .map(([host, e]) => `${host}: ${describeTlsFailure(e, tls) ?? describeError(e)}`)
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** "AuthenticationError: Provided username …": the class says what kind of failure it is. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  // The driver marks a socket that closed under a request; while connecting, that is the host
  // hanging up before it answered.
  return (error as { isSocketError?: boolean }).isSocketError === true
    ? `${text} (the host closed the connection before it answered: is this a CQL port?)`
    : text;
}

function toDriverName(name: ConnectionConfig['consistency']): keyof typeof consistencies {
  const camel = name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel as keyof typeof consistencies;
}

/** What the executor sends: the statement's text, and how a batch of it must be sent. */
export interface SentStatement {
  query: string;
  isIdempotent: boolean;
  isCounter: boolean;
}

export class DriverExecutor implements WriteExecutor {
  readonly #client: cassandra.Client;
  readonly #query: string;
  readonly #isIdempotent: boolean;
  readonly #isCounter: boolean;
  readonly #consistency: number;

  constructor(client: cassandra.Client, statement: SentStatement, config: CassandraConfig) {
    this.#client = client;
    this.#query = statement.query;
    this.#isIdempotent = statement.isIdempotent;
    this.#isCounter = statement.isCounter;
    this.#consistency = consistencies[toDriverName(config.consistency)];
  }

  async send(host: string, rows: readonly BoundRow[]): Promise<string> {
    const target = this.#client.hosts.get(host);
    if (target === undefined) throw new ConnectorError(`host ${host} left the cluster`);
    const options: cassandra.QueryOptions = {
      prepare: true,
      isIdempotent: this.#isIdempotent,
      host: target,
      routingKey: rows[0]!.key,
      consistency: this.#consistency,
    };
    const result =
      rows.length === 1
        ? await this.#client.execute(this.#query, rows[0]!.values, options)
        : await this.#client.batch(
            rows.map((r) => ({ query: this.#query, params: r.values })),
            // Cassandra takes counter updates in COUNTER batches only.
            { ...options, logged: false, counter: this.#isCounter },
          );
    return result.info.queriedHost;
  }

  isUp(host: string): boolean {
    return this.#client.hosts.get(host)?.isUp() ?? false;
  }

  classify(error: unknown): FailureKind {
    const { errors } = cassandra;
    if (error instanceof errors.OperationTimedOutError) return 'timeout';
    if (error instanceof errors.NoHostAvailableError) return 'unreachable';
    if (error instanceof errors.BusyConnectionError) return 'overloaded';
    if (error instanceof errors.ResponseError) {
      switch (error.code) {
        case responseErrorCodes.writeTimeout:
          return 'timeout';
        case responseErrorCodes.overloaded:
          return 'overloaded';
        case responseErrorCodes.unavailableException:
        case responseErrorCodes.isBootstrapping:
        case responseErrorCodes.writeFailure:
        case responseErrorCodes.truncateError:
          return 'unavailable';
        default:
          return 'rejected';
      }
    }
    // A socket closed under the request surfaces as a plain DriverError.
    if (error instanceof errors.DriverError && !(error instanceof errors.ArgumentError)) {
      return 'unreachable';
    }
    return 'rejected';
  }
}
