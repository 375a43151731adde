/**
 * A password given to a cluster that asks for none gets a warning, once, from every command
 * that connects (load, cql, bench), as the Java driver gives one; and the password itself is
 * never printed. Run as a user runs them: child processes against the suite's cluster.
 *
 * The local cluster runs with authentication off, so any user name and password show the
 * warning. Against a cluster with authentication on (the suite's target names credentials),
 * the right credentials are asked for, and no warning is given: that is checked instead.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyspace, target, testClient, uniqueName } from '../connectors/cassandra/cluster.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WARNING = 'no authentication was requested';
const ks = uniqueName('pw_warning');
let client: cassandra.Client;
let dir: string;

/** The credentials each run gives: the cluster's own when it checks them, else made up. */
function credentials(): { username: string; password: string; isChecked: boolean } {
  const own = target().credentials;
  return own === undefined
    ? { username: 'nobody', password: 'never-sent-4e1f9c', isChecked: false }
    : { ...own, isChecked: true };
}

async function sluice(args: string[]) {
  const { contactPoints, localDataCenter } = target();
  const { username, password } = credentials();
  const env: NodeJS.ProcessEnv = { ...process.env, CASSANDRA_CONTACT_POINTS: '' };
  delete env.SLUICE_PASSWORD;
  const child = spawn(
    process.execPath,
    [
      'bin/sluice.js',
      ...args,
      ...['-h', contactPoints.join(','), '--dc', localDataCenter, '-u', username, '-p', password],
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr, output: stdout + stderr };
}

function expectWarnedOnce(run: { output: string }): void {
  const { password, isChecked } = credentials();
  const warnings = run.output.split(WARNING).length - 1;
  expect(warnings).toBe(isChecked ? 0 : 1);
  expect(run.output).not.toContain(password);
}

beforeAll(async () => {
  client = testClient();
  await client.connect();
  await createKeyspace(client, ks, 1);
  await client.execute(`CREATE TABLE ${ks}.users (id int PRIMARY KEY, name text)`);
  dir = await mkdtemp(join(tmpdir(), 'sluice-pw-warning-'));
});

afterAll(async () => {
  await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
  await client.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('a password the cluster does not ask for', () => {
  it('sluice cql warns, once, and runs the statement', async () => {
    const run = await sluice(['cql', '-e', `SELECT count(*) FROM ${ks}.users`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(1 row)');
    expectWarnedOnce(run);
    if (!credentials().isChecked) {
      expect(run.stderr).toMatch(
        /^sluice cql: warning: a user name and password were given, but no authentication was requested by .*9042: the cluster lets anyone in, and the password was not sent$/m,
      );
    }
  });

  it('sluice load warns once, whatever its workers do, and loads the rows', async () => {
    const csv = join(dir, 'users.csv');
    await writeFile(csv, 'id,name\n1,a\n2,b\n3,c\n');
    const run = await sluice(['load', '-url', csv, '-k', ks, '-t', 'users', '--workers', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${ks}.users: 3 rows written, 0 bad, 3 read`);
    expectWarnedOnce(run);
    if (!credentials().isChecked) expect(run.stderr).toMatch(/^\[load\] warning: a user name/m);
  });

  it('sluice bench warns once, and says it in the report too', async () => {
    const run = await sluice([
      'bench',
      'insert',
      '-k',
      ks,
      '--count',
      '200',
      '--workers',
      '1',
      '--concurrency',
      '4',
      '-q',
    ]);
    expect(run.code).toBe(0);
    // Once at the start on stderr, once among the report's notes on stdout.
    const { isChecked, password } = credentials();
    expect(run.stderr.split(WARNING).length - 1).toBe(isChecked ? 0 : 1);
    expect(run.stdout.split(WARNING).length - 1).toBe(isChecked ? 0 : 1);
    expect(run.output).not.toContain(password);
  });
});
