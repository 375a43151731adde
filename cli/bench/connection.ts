/**
 * Connecting to Cassandra for a benchmark: one client per worker, token-aware.
 *
 * The password is plain data here because the settings cross threads to the workers; it
 * never reaches a report or a message: reports and errors use `describeConnection`.
 */
import { auth, Client, policies } from 'cassandra-driver';
import { ConfigError, ConnectorError } from '../../runtime/errors.ts';

export interface ConnectionSettings {
  /** "host:port" each. */
  contactPoints: string[];
  localDataCenter: string;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** PEM of the CA to trust (--tls-ca); the system's CAs otherwise. */
  tlsCa?: string | undefined;
}

/** "h1,h2:9043,[::1]:9042" with a default port, into "host:port" strings. */
export function parseHosts(text: string, defaultPort: number): string[] {
  const hosts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (hosts.length === 0) {
    throw new ConfigError(`--host must list at least one host, got "${text}"`, {
      details: { option: 'host' },
    });
  }
  return hosts.map((host) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(host);
    const port = Number(match?.[3] ?? defaultPort);
    if (!match || port < 1 || port > 65_535) {
      throw new ConfigError(`--host must be "host" or "host:port" items, got "${host}"`, {
        details: { option: 'host' },
      });
    }
    return match[1] === undefined ? `${match[2]}:${port}` : `[${match[1]}]:${port}`;
  });
}

/** What a report may say about the connection: never the password. */
export function describeConnection(settings: ConnectionSettings) {
  return {
    contactPoints: settings.contactPoints,
    localDataCenter: settings.localDataCenter,
    username: settings.username,
    hasPassword: settings.password !== undefined,
    tls: settings.tls,
  };
}

export function createClient(settings: ConnectionSettings): Client {
  if (settings.password !== undefined && settings.username === undefined) {
    throw new ConfigError('--password needs --username', { details: { option: 'password' } });
  }
  return new Client({
    contactPoints: settings.contactPoints,
    localDataCenter: settings.localDataCenter,
    policies: {
      // The driver's default too; stated because routing to a replica is what the
      // benchmark measures: the coordinator is then a replica, saving one hop.
      loadBalancing: new policies.loadBalancing.TokenAwarePolicy(
        new policies.loadBalancing.DCAwareRoundRobinPolicy(settings.localDataCenter),
      ),
    },
    encoding: { useBigIntAsLong: true },
    ...(settings.username === undefined
      ? {}
      : {
          authProvider: new auth.PlainTextAuthProvider(settings.username, settings.password ?? ''),
        }),
    ...(settings.tls
      ? { sslOptions: settings.tlsCa === undefined ? {} : { ca: settings.tlsCa } }
      : {}),
  });
}

/** Connects, or fails with an error that names the hosts (and never the password). */
export async function connect(settings: ConnectionSettings): Promise<Client> {
  const client = createClient(settings);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw new ConnectorError(
      `cannot connect to Cassandra at ${settings.contactPoints.join(',')} (data center ${settings.localDataCenter}): ${reasonOf(error)}`,
      { cause: error, details: { contactPoints: settings.contactPoints } },
    );
  }
}

/** The driver's NoHostAvailableError prints whole stacks; one line per host says enough. */
function reasonOf(error: unknown): string {
  const inner = (error as { innerErrors?: Record<string, unknown> } | undefined)?.innerErrors;
  if (inner !== undefined && Object.keys(inner).length > 0) {
    return Object.entries(inner)
      .map(([host, e]) => `${host}: ${e instanceof Error ? e.message : String(e)}`)
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
