/**
 * `sluice cql` as a user runs it: a child process against the suite's cluster, creating a
 * keyspace and a table from a file, then writing and reading them with -e.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { target, testClient, uniqueName } from '../connectors/cassandra/cluster.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ks = uniqueName('cql_cli');
let client: cassandra.Client;
let dir: string;

async function cql(args: string[]) {
  const { contactPoints, localDataCenter, credentials } = target();
  const child = spawn(
    process.execPath,
    [
      'bin/sluice.js',
      'cql',
      ...['-h', contactPoints.join(','), '--dc', localDataCenter],
      ...(credentials ? ['-u', credentials.username] : []),
      ...args,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...(credentials ? { SLUICE_PASSWORD: credentials.password } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

beforeAll(async () => {
  client = testClient();
  await client.connect();
  dir = await mkdtemp(join(tmpdir(), 'sluice-cql-'));
});

afterAll(async () => {
  await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
  await client.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice cql', () => {
  it('runs a schema file, then statements from -e, and prints the rows of a SELECT', async () => {
    const schema = join(dir, 'schema.cql');
    await writeFile(
      schema,
      [
        '-- the schema; comments and semicolons in strings are fine',
        `CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};`,
        `CREATE TABLE ${ks}.users (id int PRIMARY KEY, name text); /* done; */`,
      ].join('\n'),
    );
    const created = await cql(['-f', schema]);
    expect(created.code, created.stderr).toBe(0);
    const table = await client.metadata.getTable(ks, 'users');
    expect(table?.columns.map((c) => c.name).sort()).toEqual(['id', 'name']);

    const run = await cql([
      '-e',
      `INSERT INTO ${ks}.users (id, name) VALUES (1, 'a;b'); INSERT INTO ${ks}.users (id, name) VALUES (2, 'it''s'); SELECT id, name FROM ${ks}.users WHERE id IN (1, 2)`,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(' id | name');
    expect(run.stdout).toMatch(/ 1 +\| a;b/);
    expect(run.stdout).toMatch(/ 2 +\| it's/);
    expect(run.stdout).toContain('(2 rows)');
  });

  it('stops at the first failing statement, naming its line, and exits 1', async () => {
    const script = join(dir, 'broken.cql');
    await writeFile(script, `SELECT now() FROM system.local;\n\nSELEKT * FROM ${ks}.users;\n`);
    const run = await cql(['-f', script]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`sluice cql: ${script}, line 3:`);
    const nothing = await cql([]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('give statements with -e');
  });
});
