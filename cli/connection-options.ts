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
 */

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ConsistencyName } from '../connectors/cassandra/config.ts';
import { ConfigError } from '../runtime/errors.ts';

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
    .option('--consistency <level>', `consistency level (default ${DEFAULT_CONSISTENCY})`);
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

/** The PEM text of --tls-ca: plain data, so it crosses to the workers as it is. */
export async function readTlsCa(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `--tls-ca ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { details: { option: 'tls-ca' } },
    );
  }
}
