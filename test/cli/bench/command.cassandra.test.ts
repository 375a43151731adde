/**
 * `sluice bench` as a user runs it: a child process against the password-protected node.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { countRows, testClient, uniqueKeyspace } from './fixtures/cluster.ts';

const secured = inject('cassandraAuth');
const keyspace = uniqueKeyspace('bench_cli');
// A role of this file's own: the default superuser's password is "cassandra", a word that
// reports contain for other reasons, so it could not show that the password is left out.
const role = uniqueKeyspace('bench_role');
const password = `pw-${uniqueKeyspace('x')}-!`;
const sluice = fileURLToPath(new URL('../../../bin/sluice.js', import.meta.url));
let client: Client;
let dir: string | undefined;

async function run(args: string[]) {
  const child = spawn(process.execPath, [sluice, 'bench', ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [exitCode] = await once(child, 'exit');
  return { exitCode: exitCode as number, stdout, stderr };
}

beforeAll(async () => {
  client = testClient(secured);
  await client.connect();
  await client.execute(
    `CREATE ROLE ${role} WITH PASSWORD = '${password}' AND LOGIN = true AND SUPERUSER = true`,
  );
  dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
});

afterAll(async () => {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
  await client.execute(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await client.shutdown();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('sluice bench (command line)', () => {
  it('authenticates, writes both reports, and never shows the password', async () => {
    const passwordFile = join(dir!, 'password');
    await writeFile(passwordFile, `${password}\n`);
    const report = join(dir!, 'report.json');
    const html = join(dir!, 'report.html');
    const result = await run([
      'insert',
      ...['-h', secured.contactPoints.join(','), '--dc', secured.localDataCenter],
      ...['-u', role, '--password-file', passwordFile],
      ...['-k', keyspace, '--count', '500', '--workers', '2', '--concurrency', '8'],
      ...['--report', report, '--html', html],
    ]);
    expect(result.stderr).not.toMatch(/^sluice:/m);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/operations\s+500\s+errors 0/);
    const json = await readFile(report, 'utf8');
    const page = await readFile(html, 'utf8');
    expect(JSON.parse(json).ops).toBe(500);
    expect(page).toContain('<polyline data-series="ops/s"');
    for (const text of [result.stdout, result.stderr, json, page])
      expect(text).not.toContain(password);
    expect(await countRows(client, `${keyspace}.kv`)).toBe(500);
  });

  it('fails a wrong password with an error naming the host, not the password', async () => {
    const wrong = 'not-the-password-7731';
    const result = await run([
      'insert',
      ...['-h', secured.contactPoints.join(','), '--dc', secured.localDataCenter],
      ...['-u', role, '-p', wrong, '-k', keyspace, '--count', '10'],
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`cannot connect to Cassandra at ${secured.contactPoints[0]}`);
    expect(result.stderr).toMatch(/\[ERR_CONNECTOR\]/);
    expect(result.stderr + result.stdout).not.toContain(wrong);
  });

  it('Ctrl-C stops sending, reports what was measured, and exits 4', async () => {
    const report = join(dir!, 'interrupted.json');
    const child = spawn(
      process.execPath,
      [
        sluice,
        'bench',
        'insert',
        ...['-h', secured.contactPoints.join(','), '--dc', secured.localDataCenter],
        ...['-u', role, '-p', password, '-k', keyspace, '--table', 'kv_interrupted'],
        ...['--rate', '200', '--duration', '10m', '--workers', '2', '--report', report],
      ],
      { stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    let isInterrupted = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      // The first progress line: the measured run is under way. Once: a second Ctrl-C quits.
      if (/ops\/s/.test(stderr) && !isInterrupted) {
        isInterrupted = true;
        child.kill('SIGINT');
      }
    });
    const [exitCode] = await once(child, 'exit');
    expect(stderr).toContain('stopping: finishing the operations in flight');
    expect(exitCode).toBe(4);
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json.isInterrupted).toBe(true);
    expect(json.ops).toBeGreaterThan(0);
    expect(json.errors).toBe(0);
    // Every operation sent finished and was counted: the rows are the operations.
    expect(await countRows(client, `${keyspace}.kv_interrupted`)).toBe(json.ops);
    expect(stdout).toMatch(/interrupted/i);
  });

  it('rejects bad options before connecting, with the flag named', async () => {
    const result = await run(['insert', '--rate', '0', '-h', '127.0.0.1:1']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      '--rate must be a positive number of operations per second, got "0"',
    );
  });
});
