/**
 * The connection flags of every command that talks to Cassandra (`load`, `bench`), with one
 * spelling, one meaning and one default each:
 *
 *   -h, --host <hosts>      contact points, host or host:port, comma-separated
 *   --port <n>              port of hosts that name none (9042)
 *   --dc <name>             local data center (datacenter1)
 *   -u, --username <name>   password authentication
 *   -p, --password <pw>     or SLUICE_PASSWORD, or --password-file: both keep it off the
 *   --password-file <path>    command line, where other local users can read it
 *   --tls [true|false]      connect with TLS; --tls-ca <file> trusts that CA (implies --tls)
 *   --consistency <level>   (-cl) LOCAL_ONE, as DSBulk, cassandra-stress and latte default to
 *   --connect-timeout <d>   how long a node has to accept a connection (5s)
 */

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  CONSISTENCIES,
  type ConnectionOptions,
  type ConsistencyName,
  formatContactPoint,
  parseContactPoints,
} from '../connectors/cassandra/config.ts';
import { DEFAULT_CLUSTER_DIR, ensureLocalCluster } from '../connectors/cassandra/local/index.ts';
import { ConfigError } from '../runtime/errors.ts';
import { parseDuration } from './durations.ts';

export const DEFAULT_CONSISTENCY: ConsistencyName = 'LOCAL_ONE';

/** What commander hands over for the connection flags. */
export interface ConnectionArgs {
  host?: string;
  port?: string;
  dc?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  tls?: boolean | string;
  tlsCa?: string;
  consistency?: string;
  connectTimeout?: string;
}

export function addConnectionOptions(command: Command): Command {
  return command
    .option('-h, --host <hosts>', 'contact points: host or host:port, comma-separated')
    .option('--port <n>', 'port of hosts that name none (default 9042)')
    .option('--dc <name>', 'local data center (default datacenter1)')
    .option('-u, --username <name>', 'user name (password authentication)')
    .option(
      '-p, --password <password>',
      'password (visible to other local users: prefer SLUICE_PASSWORD or --password-file)',
    )
    .option('--password-file <path>', 'read the password from the first line of this file')
    .option('--tls [true|false]', 'connect with TLS')
    .option('--tls-ca <file>', 'PEM file of the CA that signed the nodes (implies --tls)')
    .option('--consistency <level>', `consistency level (default ${DEFAULT_CONSISTENCY})`)
    .option(
      '--connect-timeout <duration>',
      'how long a node has to accept a connection: 500ms, 5s (default 5s)',
    );
}

/**
 * The password from -p, --password-file or SLUICE_PASSWORD, in that order of precedence (the
 * first two may not be given together). The file's first line is the password.
 */
export async function resolvePassword(
  args: ConnectionArgs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (args.passwordFile === undefined) return args.password ?? env.SLUICE_PASSWORD;
  if (args.password !== undefined) {
    throw new ConfigError('--password and --password-file cannot be given together', {
      details: { option: 'password-file' },
    });
  }
  try {
    const text = await readFile(args.passwordFile, 'utf8');
    return text.split(/\r?\n/, 1)[0] ?? '';
  } catch (error) {
    throw new ConfigError(
      `--password-file ${args.passwordFile} cannot be read: ${(error as NodeJS.ErrnoException).code}`,
      { details: { option: 'password-file' } },
    );
  }
}

/**
 * The PEM text of --tls-ca: plain data, so it crosses to the workers as it is. A file that holds
 * no certificate (a keystore, a private key) fails here, and its content is never echoed.
 */
export async function readTlsCa(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `--tls-ca ${path} (the CA certificate the nodes are checked against) cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { details: { option: 'tls-ca' } },
    );
  }
  try {
    new X509Certificate(text);
  } catch {
    throw new ConfigError(
      `--tls-ca ${path} holds no PEM certificate: give the CA's certificate, not a keystore or a key`,
      { details: { option: 'tls-ca' } },
    );
  }
  return text;
}

/** The connection flags, validated; plain data. */
export interface ConnectionPlan {
  /** "host:port" each; undefined: CASSANDRA_CONTACT_POINTS, else the local cluster. */
  hosts: string[] | undefined;
  port: number;
  localDataCenter: string | undefined;
  consistency: ConsistencyName;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  tlsCaFile: string | undefined;
  /** undefined: the connector's default. */
  connectTimeoutMs?: number | undefined;
}

/** The flags by their long names; each command says how it spells them in an error. */
export type ConnectionFlag =
  | 'host'
  | 'port'
  | 'dc'
  | 'consistency'
  | 'username'
  | 'password'
  | 'tls';

export type FlagError = (flag: ConnectionFlag, expected: string, got?: string) => ConfigError;

/** `--host must be …, got "…"`: the spelling of every command but load's DSBulk one. */
export const longFlagError: FlagError = (flag, expected, got) => {
  const shown = got === undefined ? '' : `, got "${got}"`;
  return new ConfigError(`--${flag} must be ${expected}${shown}`, { details: { option: flag } });
};

/**
 * Validates the connection flags of any command. The password comes from `args.password`
 * (already resolved by `resolvePassword` when a file was named) or SLUICE_PASSWORD; it is never
 * echoed. A password needs a user name, and a user name a password.
 */
export function resolveConnectionArgs(
  args: ConnectionArgs,
  env: Record<string, string | undefined>,
  bad: FlagError = longFlagError,
): ConnectionPlan {
  const consistency = (args.consistency ?? DEFAULT_CONSISTENCY).toUpperCase();
  if (!(CONSISTENCIES as readonly string[]).includes(consistency)) {
    throw bad('consistency', `one of ${CONSISTENCIES.join(', ')}`, args.consistency);
  }
  const username = args.username;
  const password = args.password ?? env.SLUICE_PASSWORD;
  if (username === '') throw bad('username', 'a non-empty user name');
  if (password !== undefined && username === undefined) {
    const from = args.password === undefined ? 'SLUICE_PASSWORD' : '-p';
    throw bad('username', `given with a password: ${from} is set but no user name`);
  }
  if (username !== undefined && password === undefined) {
    throw bad('password', 'given with -u (or set SLUICE_PASSWORD, or give --password-file)');
  }
  const portNumber = args.port === undefined ? 9042 : Number(args.port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw bad('port', 'a port from 1 to 65535', args.port);
  }
  let hosts: string[] | undefined;
  if (args.host !== undefined) {
    try {
      hosts = parseContactPoints(args.host, portNumber, 'host').map(formatContactPoint);
    } catch {
      throw bad('host', 'a list of host or host:port (ports 1 to 65535)', args.host);
    }
  }
  const dc = args.dc;
  if (dc !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(dc)) {
    throw bad('dc', 'a data center name (letters, digits, _ . -)', dc);
  }
  const tls = args.tls;
  if (tls !== undefined && tls !== true && tls !== 'true' && tls !== false && tls !== 'false') {
    throw bad('tls', 'true or false', String(tls));
  }
  let connectTimeoutMs: number | undefined;
  if (args.connectTimeout !== undefined) {
    const micros = parseDuration(args.connectTimeout, 'connect-timeout');
    connectTimeoutMs = Math.round(micros / 1000);
    if (connectTimeoutMs < 1 || connectTimeoutMs > 600_000) {
      throw new ConfigError(
        `--connect-timeout must be from 1ms to 10m, got "${args.connectTimeout}"`,
        { details: { option: 'connect-timeout' } },
      );
    }
  }
  return {
    hosts,
    port: portNumber,
    localDataCenter: dc,
    consistency: consistency as ConsistencyName,
    username,
    password,
    tls: tls === true || tls === 'true' || args.tlsCa !== undefined,
    tlsCaFile: args.tlsCa,
    connectTimeoutMs,
  };
}

export interface TargetIo {
  env: Record<string, string | undefined>;
  stderr: { write(text: string): unknown };
}

/**
 * Where a command connects, as the connector's plain options (they cross to the workers):
 * -h, else CASSANDRA_CONTACT_POINTS (and CASSANDRA_LOCAL_DC), else the local cluster, started
 * if it is not running. `label` prefixes the note about the local cluster ("load", "bench").
 */
export async function resolveTarget(
  plan: ConnectionPlan,
  io: TargetIo,
  label: string,
): Promise<ConnectionOptions & { contactPoints: string[]; localDataCenter: string }> {
  let contactPoints: string[];
  let localDataCenter: string | undefined = plan.localDataCenter;
  const fromEnv = io.env.CASSANDRA_CONTACT_POINTS?.split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (plan.hosts !== undefined) {
    contactPoints = plan.hosts;
  } else if (fromEnv !== undefined && fromEnv.length > 0) {
    contactPoints = fromEnv;
    localDataCenter ??= io.env.CASSANDRA_LOCAL_DC;
  } else {
    io.stderr.write(
      `[${label}] no -h and no CASSANDRA_CONTACT_POINTS: using the local cluster in ${DEFAULT_CLUSTER_DIR} ` +
        '(starting it if it is not running; stop it with `sluice cassandra stop`)\n',
    );
    const cluster = await ensureLocalCluster({ nodes: 3, dir: DEFAULT_CLUSTER_DIR });
    if (cluster.startedNodes.length > 0) {
      io.stderr.write(`[${label}] started ${cluster.startedNodes.length} local node(s)\n`);
    }
    contactPoints = cluster.contactPoints;
    localDataCenter ??= cluster.localDataCenter;
  }
  const options: ConnectionOptions & { contactPoints: string[]; localDataCenter: string } = {
    contactPoints,
    port: plan.port,
    localDataCenter: localDataCenter ?? 'datacenter1',
    consistency: plan.consistency,
    tls: plan.tls
      ? plan.tlsCaFile === undefined
        ? true
        : { ca: await readTlsCa(plan.tlsCaFile) }
      : false,
  };
  if (plan.connectTimeoutMs !== undefined) options.connectTimeoutMs = plan.connectTimeoutMs;
  if (plan.username !== undefined) {
    options.username = plan.username;
    options.password = plan.password;
  }
  return options;
}
