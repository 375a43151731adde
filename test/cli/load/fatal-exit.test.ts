/**
 * `sluice load` as a child process, where it must stop: a bad command line, a host that
 * cannot be reached, a host that hangs up, a bad settings file. Each fatal error is said
 * once, and the process exits right after saying it (no driver timer or socket keeps it
 * alive). No cluster is needed.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A fatal error must be followed by the exit within this, measured from the child's stderr. */
const EXIT_AFTER_MESSAGE_MS = 1500;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** performance.now() when stderr first held `watch`, and at the exit. */
  messageAt: number | undefined;
  exitAt: number;
}

async function sluiceLoad(args: string[], watch = 'sluice load:'): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, CASSANDRA_CONTACT_POINTS: '' };
  delete env.SLUICE_PASSWORD;
  const child = spawn(process.execPath, ['bin/sluice.js', 'load', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let messageAt: number | undefined;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (messageAt === undefined && stderr.includes(watch)) messageAt = performance.now();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const exitAt = performance.now();
  // Let the pipes drain what was written before the exit.
  if (child.stderr.readable) await once(child.stderr, 'close');
  return { code, stdout, stderr, messageAt, exitAt };
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

let dir: string;
let csv: string;
/** A server that accepts each connection and closes it at once: a port with nothing behind it. */
let hangUp: Server;
let hangUpPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-fatal-'));
  csv = join(dir, 'users.csv');
  await writeFile(csv, 'id,name\n1,a\n');
  hangUp = createServer((socket) => socket.destroy());
  hangUp.listen(0, '127.0.0.1');
  await once(hangUp, 'listening');
  hangUpPort = (hangUp.address() as { port: number }).port;
});

afterAll(async () => {
  hangUp.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice load stops at once on a fatal error, and says it once', () => {
  it('names an unknown option and the near one, instead of "too many arguments"', async () => {
    const run = await sluiceLoad(['-kk', 'nu2']);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'sluice load: unknown option -kk; did you mean -k? (sluice load --help lists them)\n',
    );
  });

  it('an unroutable host: the error, once, then the exit', async () => {
    const run = await sluiceLoad(
      ['-url', csv, '-k', 'ks', '-t', 'users', '-h', '10.255.255.1', '--connect-timeout', '1s'],
      'cannot connect',
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot connect to Cassandra at 10\.255\.255\.1:9042/);
    expect(count(run.stdout + run.stderr, 'cannot connect')).toBe(1);
    expect(run.messageAt).toBeDefined();
    expect(run.exitAt - run.messageAt!).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
  });

  it('a host that accepts, then hangs up before answering: failed at once, not after the read timeout', async () => {
    const run = await sluiceLoad(
      ['-url', csv, '-k', 'ks', '-t', 'users', '-h', `127.0.0.1:${hangUpPort}`],
      'cannot connect',
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot connect to Cassandra at 127.0.0.1:${hangUpPort}`);
    // Without the fix to the driver, this is an OperationTimedOutError 12 s later.
    expect(run.stderr).toContain('the host closed the connection before it answered');
    expect(count(run.stdout + run.stderr, 'cannot connect')).toBe(1);
    expect(run.exitAt - run.messageAt!).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
  });

  it('a bad value in a settings file names the file, the line and the key, never the password', async () => {
    const settings = join(dir, 'load.json');
    await writeFile(
      settings,
      JSON.stringify(
        {
          dsbulk: { 'connector.csv.url': csv, 'schema.keyspace': 'app', 'schema.table': 'users' },
          'datastax-java-driver': {
            'basic.request.consistency': 'SOMETIMES',
            'advanced.auth-provider': { username: 'loader', password: 'file-pw-31337' },
          },
        },
        null,
        2,
      ),
    );
    const run = await sluiceLoad(['-f', settings]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      new RegExp(
        `^sluice load: settings file ${settings.replaceAll('.', '\\.')}, line 8, datastax-java-driver\\.basic\\.request\\.consistency: option -cl must be one of`,
      ),
    );
    expect(run.stdout + run.stderr).not.toContain('file-pw-31337');
    expect(run.exitAt - run.messageAt!).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
  });
});
