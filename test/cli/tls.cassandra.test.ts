/**
 * TLS against real nodes, as a user runs it: `sluice cql`, `sluice load` and `sluice cassandra
 * start --tls` as child processes.
 *
 * - The suite's cluster serves TLS and plain clients on one port (TLS optional), so loading and
 *   reading over TLS need no cluster of their own; its CA is `inject('cassandra').tlsCaFile`.
 * - `sluice cassandra start --tls` starts a TLS-only node on 127.0.0.5 for this file. Its JVM
 *   starts in the background while the other tests run, and is stopped at the end.
 * - The wrong CA is a real one that signed no node (test/fixtures/tls/other-ca.pem, made with
 *   keytool).
 *
 * No output may hold a keystore password, a key or a certificate.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../connectors/cassandra/client.ts';
import { resolveConnection } from '../../connectors/cassandra/config.ts';
import { stopLocalCluster } from '../../connectors/cassandra/local/index.ts';
import { target, uniqueName } from '../connectors/cassandra/cluster.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin/sluice.js');
/** The TLS-only node: beside the suite's cluster (127.0.0.1-3) and its auth node (127.0.0.4). */
const TLS_ONLY = { dir: resolve(ROOT, '.sluice/cassandra-tls'), firstNode: 5 };
const TLS_ONLY_HOST = `127.0.0.${TLS_ONLY.firstNode}`;
const TLS_ONLY_CA = join(TLS_ONLY.dir, 'tls/ca.pem');
const WRONG_CA = fileURLToPath(new URL('../fixtures/tls/other-ca.pem', import.meta.url));
const ROWS = 300;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every output of this file, checked for secrets at its end. */
const outputs: CliRun[] = [];

/** Runs in this file's temporary dir, where a load leaves its logs and bad files. */
async function sluice(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, CASSANDRA_CONTACT_POINTS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  const run = { code, stdout, stderr };
  outputs.push(run);
  return run;
}

/** The connection flags of the suite's cluster, trusting `caFile`. */
function suiteFlags(caFile: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const { contactPoints, localDataCenter, credentials } = target();
  return {
    args: [
      ...['-h', contactPoints.join(','), '--dc', localDataCenter, '--tls-ca', caFile],
      ...(credentials ? ['-u', credentials.username] : []),
    ],
    env: credentials ? { SLUICE_PASSWORD: credentials.password } : {},
  };
}

function cql(statements: string, caFile: string): Promise<CliRun> {
  const flags = suiteFlags(caFile);
  return sluice(['cql', ...flags.args, '-e', statements], flags.env);
}

function load(table: string, caFile: string): Promise<CliRun> {
  const flags = suiteFlags(caFile);
  const args = ['-url', csv, '-k', ks, '-t', table, '-cl', 'QUORUM', '--workers', '2'];
  return sluice(['load', ...flags.args, ...args], flags.env);
}

const ks = uniqueName('tls');
let caFile: string;
let dir: string;
let csv: string;
/** The connector's own client, over TLS: it verifies every node's certificate. */
let client: cassandra.Client;
/** `sluice cassandra start --tls` of the TLS-only node, begun before the first test. */
let tlsOnlyStart: Promise<CliRun>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-tls-'));
  tlsOnlyStart = sluice([
    ...['cassandra', 'start', '--tls', '--nodes', '1'],
    ...['--first-node', String(TLS_ONLY.firstNode), '--dir', TLS_ONLY.dir],
  ]);
  const suiteCa = target().tlsCaFile;
  if (suiteCa === undefined) {
    throw new Error(
      'the cluster named by CASSANDRA_CONTACT_POINTS has no CA: set CASSANDRA_TLS_CA to the PEM ' +
        'file of the CA that signed its nodes (the local cluster the suite starts serves TLS itself)',
    );
  }
  // The CLI runs in the temporary dir: a path relative to the repository must still lead there.
  caFile = resolve(ROOT, suiteCa);
  csv = join(dir, 'rows.csv');
  const lines = ['id,name'];
  for (let id = 0; id < ROWS; id++) lines.push(`${id},name-${id}`);
  await writeFile(csv, `${lines.join('\n')}\n`);
  const { contactPoints, localDataCenter, credentials } = target();
  client = await connect(
    resolveConnection({
      contactPoints,
      localDataCenter,
      ...(credentials ?? {}),
      consistency: 'QUORUM',
      tls: { ca: await readFile(caFile, 'utf8') },
    }),
  );
});

afterAll(async () => {
  await client?.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
  await client?.shutdown();
  await tlsOnlyStart?.catch(() => undefined);
  await stopLocalCluster(TLS_ONLY.dir);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function countRows(table: string): Promise<number> {
  const result = await client.execute(`SELECT count(*) FROM ${ks}.${table}`);
  return Number(result.first().get(0));
}

describe('TLS with the CA that signed the nodes', () => {
  it('sluice cql -e creates a keyspace and tables over TLS', async () => {
    const replicas = Math.min(3, target().contactPoints.length);
    const run = await cql(
      `CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicas}};` +
        `CREATE TABLE ${ks}.people (id int PRIMARY KEY, name text);` +
        `CREATE TABLE ${ks}.untouched (id int PRIMARY KEY, name text);` +
        'SELECT cluster_name FROM system.local',
      caFile,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cluster_name');
    expect(run.stdout).toContain('(1 row)');
    expect(await countRows('people')).toBe(0);
  });

  it('sluice load writes every row over TLS, and they read back over TLS', async () => {
    const run = await load('people', caFile);
    expect(run.stderr).not.toContain('sluice load:');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${ks}.people: ${ROWS} rows written, 0 bad, ${ROWS} read`);
    const result = await client.execute(`SELECT id, name FROM ${ks}.people`, [], {
      fetchSize: 10_000,
    });
    const rows = result.rows.map((row) => [row.id, row.name]).sort((a, b) => a[0] - b[0]);
    expect(rows).toEqual(Array.from({ length: ROWS }, (_, id) => [id, `name-${id}`]));
  });
});

describe('TLS with a CA that did not sign the nodes', () => {
  it('fails the load at once (exit 3), naming the host, the certificate and the CA', async () => {
    const run = await load('untouched', WRONG_CA);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(target().contactPoints[0]!);
    expect(run.stderr).toContain(
      "TLS: the node's certificate is not signed by the CA trusted here (CN=sluice test CA that signed no node)",
    );
    expect(await countRows('untouched')).toBe(0);
  });

  it('fails sluice cql (exit 1) with the same reason', async () => {
    const run = await cql('SELECT cluster_name FROM system.local', WRONG_CA);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the node's certificate is not signed by the CA trusted here");
  });

  it('fails a load whose --tls-ca file is missing (exit 3), naming the file', async () => {
    const missing = join(dir, 'no-such-ca.pem');
    const run = await load('untouched', missing);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`--tls-ca ${missing} (the CA certificate`);
    expect(run.stderr).toContain('ENOENT');
  });

  it('refuses a --tls-ca file that holds a key, without echoing it', async () => {
    const key = join(dir, 'key.pem');
    await writeFile(key, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const run = await cql('SELECT cluster_name FROM system.local', key);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`--tls-ca ${key} holds no PEM certificate`);
  });
});

describe('sluice cassandra start --tls', () => {
  it('starts a TLS-only node and prints where its CA is', async () => {
    const start = await tlsOnlyStart;
    expect(start.code).toBe(0);
    expect(start.stdout).toBe(`${TLS_ONLY_HOST}:9042\n`);
    expect(start.stderr).toContain(
      `TLS required: clients trust the CA in ${TLS_ONLY_CA} (--tls-ca)`,
    );
  }, 300_000);

  it('serves clients that trust its CA', async () => {
    const run = await sluice([
      ...['cql', '-h', TLS_ONLY_HOST, '--tls-ca', TLS_ONLY_CA],
      ...['-e', 'SELECT cluster_name FROM system.local'],
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`sluice-local-${TLS_ONLY.firstNode}-1`);
  });

  it('refuses plain clients, and says the node may require TLS', async () => {
    const run = await sluice([
      ...['cql', '-h', TLS_ONLY_HOST, '-e', 'SELECT cluster_name FROM system.local'],
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${TLS_ONLY_HOST}:9042`);
    expect(run.stderr).toContain('if it requires TLS, connect with TLS and its CA (--tls-ca');
  });
});

describe('secrets', () => {
  it('no output holds a keystore password, a key or a certificate', async () => {
    const passwordFiles = [join(TLS_ONLY.dir, 'tls/keystore-password')];
    const suiteDir = target().dir;
    if (suiteDir !== undefined) passwordFiles.push(join(suiteDir, 'tls/keystore-password'));
    const passwords: string[] = [];
    for (const file of passwordFiles) passwords.push((await readFile(file, 'utf8')).trim());
    expect(outputs.length).toBeGreaterThanOrEqual(8);
    for (const run of outputs) {
      const text = `${run.stdout}${run.stderr}`;
      for (const password of passwords) expect(text).not.toContain(password);
      expect(text).not.toContain('-----BEGIN');
      expect(text).not.toContain('keystore_password');
    }
  });
});
