/**
 * `sluice load` end to end: the real CLI as a child process (`node bin/sluice.js load …`)
 * against the real cluster. Every run must exit by itself; a run that needs killing fails.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LoadReport } from '../../../cli/load/report.ts';
import {
  createKeyspace,
  target,
  testClient,
  uniqueName,
} from '../../connectors/cassandra/cluster.ts';
import { type CliRun, clusterArgs, EXIT_DEADLINE_MS, ROOT, sluiceLoad } from './cli.ts';

let client: cassandra.Client;
let ks: string;
let dir: string;

/** The connection options of every run: the shared cluster, with credentials if it needs them. */
function cluster(): { args: string[]; env: NodeJS.ProcessEnv } {
  return clusterArgs(2);
}

const sluice = sluiceLoad;

async function load(args: string[], stdin?: Buffer): Promise<CliRun> {
  const c = cluster();
  return sluice([...args, ...c.args], { stdin, env: c.env });
}

async function table(name: string, columns: string): Promise<string> {
  await client.execute(`CREATE TABLE ${ks}.${name} (${columns})`);
  return name;
}

async function rows(name: string): Promise<Record<string, unknown>[]> {
  const result = await client.execute(`SELECT * FROM ${ks}.${name}`, [], { fetchSize: 10_000 });
  return result.rows
    .map((r) => ({ ...r }))
    .sort((a, b) => Number(a.id ?? a.user_id) - Number(b.id ?? b.user_id));
}

/**
 * Rows of a table, counted slice by slice of the token ring at QUORUM: one count(*) of all
 * times out on a busy cluster, and so may a slice, which is then asked again. Exact for rows
 * written at QUORUM (W + R > RF), while one slow replica cannot fail it as ALL would.
 */
async function countByTokenRange(name: string, slices = 64): Promise<number> {
  const min = -(2n ** 63n);
  const step = 2n ** 64n / BigInt(slices);
  let total = 0;
  for (let i = 0; i < slices; i++) {
    const from = min + step * BigInt(i);
    const to = i === slices - 1 ? 2n ** 63n - 1n : from + step;
    const query = `SELECT count(*) FROM ${ks}.${name} WHERE token(id) >= ? AND token(id) ${i === slices - 1 ? '<=' : '<'} ?`;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await client.execute(query, [from, to], {
          prepare: true,
          readTimeout: 60_000,
          consistency: cassandra.types.consistencies.quorum,
        });
        total += Number(result.first().get(0));
        break;
      } catch (error) {
        if (attempt === 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }
  return total;
}

async function report(path: string): Promise<LoadReport> {
  return JSON.parse(await readFile(path, 'utf8')) as LoadReport;
}

async function badLines(
  paths: string[],
): Promise<Array<{ record: Record<string, unknown>; error: { message: string } }>> {
  const lines = [];
  for (const path of paths) {
    const text = await readFile(join(ROOT, path), 'utf8').catch(() => readFile(path, 'utf8'));
    for (const line of text.split('\n').filter((l) => l !== '')) lines.push(JSON.parse(line));
  }
  return lines;
}

beforeAll(async () => {
  client = testClient();
  ks = uniqueName('load');
  await createKeyspace(client, ks, Math.min(3, target().contactPoints.length));
  dir = await mkdtemp(join(tmpdir(), 'sluice-load-'));
});

afterAll(async () => {
  await client?.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await client?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice load', () => {
  it('loads CSV with quoting, embedded newlines, Unicode and nulls, and reports it', async () => {
    const t = await table('people', 'id int PRIMARY KEY, name text, note text, score double');
    const csv =
      'id,name,note,score\n' +
      '1,plain,hello,1.5\n' +
      '2,"quoted, with comma","she said ""hi""",2\r\n' +
      '3,multi,"line one\nline two",\n' +
      '4,日本語 😀 café,"ünïcødé\r\nsecond",-0.25\n' +
      '5,,"",7\n';
    const file = join(dir, 'people.csv');
    await writeFile(file, csv);
    const reportPath = join(dir, 'people.json');
    const run = await load(['-url', file, '-k', ks, '-t', t, '--report', reportPath]);
    expect(run.stderr).not.toMatch(/sluice load:/);
    expect(run.code).toBe(0);
    expect(await rows(t)).toEqual([
      { id: 1, name: 'plain', note: 'hello', score: 1.5 },
      { id: 2, name: 'quoted, with comma', note: 'she said "hi"', score: 2 },
      { id: 3, name: 'multi', note: 'line one\nline two', score: null },
      { id: 4, name: '日本語 😀 café', note: 'ünïcødé\r\nsecond', score: -0.25 },
      { id: 5, name: null, note: null, score: 7 },
    ]);
    expect(run.stdout).toContain(`${ks}.${t}: 5 rows written, 0 bad, 5 read`);
    expect(run.stdout).toMatch(/write latency ms: p50 \d/);
    const r = await report(reportPath);
    expect(r).toMatchObject({
      status: 'ok',
      exitCode: 0,
      written: 5,
      bad: 0,
      rowsRead: 5,
      isDryRun: false,
    });
    // Summed from every instance's HDR histogram: one count per request, p95 included.
    expect(r.latency?.count).toBeGreaterThan(0);
    expect(r.latency?.p95).toBeGreaterThan(0);
    expect(r.latency!.p95).toBeLessThanOrEqual(r.latency!.max);
    expect(run.stdout).toMatch(/p95 \d/);
  });

  it('reads gzip files (by content, whatever the name) from a directory, with a mapping and --nullValue', async () => {
    const t = await table('renamed', 'user_id int PRIMARY KEY, label text');
    const sub = join(dir, 'parts');
    await mkdir(sub);
    const part = (from: number, to: number) =>
      `id,name,extra\n${Array.from({ length: to - from }, (_, i) => `${from + i},${from + i === 7 ? 'NULL' : from + i === 8 ? '' : `n${from + i}`},x`).join('\n')}\n`;
    await writeFile(join(sub, 'a.csv.gz'), gzipSync(part(0, 40)));
    await writeFile(join(sub, 'b.csv'), part(40, 70));
    await writeFile(join(sub, 'c.csv'), gzipSync(part(70, 100)));
    await writeFile(join(sub, 'ignored.txt'), 'not,a,csv\n');
    const run = await load([
      '-url',
      sub,
      '-k',
      ks,
      '-t',
      t,
      '-m',
      'id=user_id, name=label',
      '--nullValue',
      'NULL',
    ]);
    expect(run.stderr).not.toMatch(/sluice load:/);
    expect(run.code).toBe(0);
    const loaded = await rows(t);
    expect(loaded).toHaveLength(100);
    expect(loaded[5]).toEqual({ user_id: 5, label: 'n5' });
    expect(loaded[7]).toEqual({ user_id: 7, label: null });
    expect(loaded[8]).toEqual({ user_id: 8, label: '' });
  });

  it('reads stdin, gzip or not', async () => {
    const t = await table('piped', 'id int PRIMARY KEY, v text');
    const body = `id,v\n${Array.from({ length: 50 }, (_, i) => `${i},v${i}`).join('\n')}\n`;
    const plain = await load(['-url', '-', '-k', ks, '-t', t], Buffer.from(body));
    expect(plain.code).toBe(0);
    const zipped = await load(
      ['-url', '-', '-k', ks, '-t', t, '-m', 'id=id'],
      gzipSync(`id\n${1000}\n`),
    );
    expect(zipped.code).toBe(0);
    expect((await rows(t)).map((r) => r.id)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => i),
      1000,
    ]);
  });

  it('reads JSON Lines, and headerless CSV by position', async () => {
    const t = await table('positional', 'id int PRIMARY KEY, name text, at timestamp');
    const json = join(dir, 'events.jsonl');
    await writeFile(
      json,
      `${JSON.stringify({ id: 1, name: 'één', at: '2024-01-02T03:04:05Z' })}\n\n` +
        `${JSON.stringify({ id: 2, name: null, at: 1700000000000, ignored: [1, 2] })}\n`,
    );
    const fromJson = await load(['-url', json, '-c', 'json', '-k', ks, '-t', t]);
    expect(fromJson.stderr).not.toMatch(/sluice load:/);
    expect(fromJson.code).toBe(0);
    const csv = join(dir, 'noheader.csv');
    await writeFile(csv, '3,skip me,"trois",2024-05-06T07:08:09Z\n4,skip,quatre,\n');
    const fromCsv = await load([
      '-url',
      csv,
      '-k',
      ks,
      '-t',
      t,
      '-header',
      'false',
      '-m',
      '0=id, 2=name, 3=at',
    ]);
    expect(fromCsv.stderr).not.toMatch(/sluice load:/);
    expect(fromCsv.code).toBe(0);
    expect(await rows(t)).toEqual([
      { id: 1, name: 'één', at: new Date('2024-01-02T03:04:05Z') },
      { id: 2, name: null, at: new Date(1700000000000) },
      { id: 3, name: 'trois', at: new Date('2024-05-06T07:08:09Z') },
      { id: 4, name: 'quatre', at: null },
    ]);
  });

  it('Ctrl-C stops a load that waits on stdin, and it exits by itself with code 4', async () => {
    const t = await table('interrupted', 'id int PRIMARY KEY');
    const c = cluster();
    const child = spawn(
      process.execPath,
      ['bin/sluice.js', 'load', '-url', '-', '-k', ks, '-t', t, ...c.args],
      {
        cwd: ROOT,
        env: { ...process.env, ...c.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    // stdin stays open: the load waits for more until it is interrupted. Without a terminal it
    // prints a progress line every few seconds; once one says both rows are written, it runs.
    const running = new Promise<void>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/ 2 written /.test(stderr)) resolve();
      });
    });
    child.stdin.write('id\n1\n2\n');
    await Promise.race([running, once(child, 'close')]);
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_DEADLINE_MS);
    const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
    clearTimeout(timer);
    expect(signal, stderr).toBeNull();
    expect(code, stderr).toBe(4);
    expect(stderr).toMatch(/interrupted/);
    expect(await rows(t)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('Ctrl-C keeps the books: every row read is written or reported, and the summary says so', async () => {
    const t = await table('books', 'id int PRIMARY KEY, n int, pad text');
    // Rows of ~210 bytes, 42 MB in all: far more than the channels and the sinks' buffers hold
    // (a few MB), so the readers are still reading when the Ctrl-C comes, however fast they are.
    const total = 200_000;
    const pad = 'p'.repeat(200);
    const lines = ['id,n,pad'];
    for (let i = 0; i < total; i++) lines.push(`${i},${i % 1000 === 7 ? `x${i}` : i},${pad}`);
    const file = join(dir, 'books.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const reportPath = join(dir, 'books.json');
    const c = cluster();
    const child = spawn(
      process.execPath,
      [
        'bin/sluice.js',
        'load',
        ...['-url', file, '-k', ks, '-t', t, '--report', reportPath],
        // QUORUM, so that a count at QUORUM afterwards sees every row written.
        ...['--consistency', 'QUORUM', ...c.args],
      ],
      { cwd: ROOT, env: { ...process.env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let isInterrupted = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      // Once rows are being written, and only once: a second Ctrl-C quits at once.
      if (!isInterrupted && /[1-9][\d,]* written/.test(stderr)) {
        isInterrupted = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_DEADLINE_MS);
    const [code] = (await once(child, 'close')) as [number | null];
    clearTimeout(timer);
    expect(code, stderr).toBe(4);
    const r = await report(reportPath);
    expect(r.status).toBe('interrupted');
    expect(r.rowsRead).toBeLessThan(total);
    expect(r.written + r.bad).toBe(r.rowsRead);
    expect(stdout).toContain('written + bad = read');
    expect(await countByTokenRange(t)).toBe(r.written);
  });

  it('a header that does not fit the table fails before anything is written, and says what was meant', async () => {
    const t = await table('fit', 'id int, seq int, name text, email text, PRIMARY KEY (id, seq)');
    const write = async (name: string, text: string) => {
      const file = join(dir, name);
      await writeFile(file, text);
      return file;
    };
    const typo = await write('typo.csv', 'id,seq,nmae,email\n1,1,a,a@x\n2,2,b,b@x\n');
    const run = await load(['-url', typo, '-k', ks, '-t', t]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `column "name" of ${ks}.${t} has no field in the header of ${typo} (did you mean "nmae"?)`,
    );
    expect(run.stderr).toContain(`field "nmae" of the header of ${typo} has no column`);
    const dry = await load(['-url', typo, '-k', ks, '-t', t, '-dryRun', 'true']);
    expect(dry.code).toBe(3);
    expect(dry.stderr).toContain('did you mean "nmae"?');

    const keyTypo = await write('key.csv', 'id,sqe,name,email\n1,1,a,a@x\n');
    const keyRun = await load([
      '-url',
      keyTypo,
      '-k',
      ks,
      '-t',
      t,
      '--schema.allowMissingFields',
      'true',
    ]);
    expect(keyRun.code).toBe(3);
    expect(keyRun.stderr).toContain(`primary-key column "seq" of ${ks}.${t} has no field`);
    expect(await rows(t)).toEqual([]);

    // Allowed: the missing column is left unset, the extra field ignored, both said.
    const partial = await write('partial.csv', 'id,seq,name,note\n1,1,a,x\n2,2,b,y\n');
    const ok = await load([
      '-url',
      partial,
      '-k',
      ks,
      '-t',
      t,
      '--schema.allowMissingFields',
      'true',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`column "email" of ${ks}.${t} has no field`);
    expect(ok.stderr).toContain('field "note" of the header');
    expect(await rows(t)).toEqual([
      { id: 1, seq: 1, name: 'a', email: null },
      { id: 2, seq: 2, name: 'b', email: null },
    ]);
    const closed = await load([
      '-url',
      partial,
      '-k',
      ks,
      '-t',
      t,
      '--schema.allowMissingFields',
      'true',
      '--schema.allowExtraFields',
      'false',
    ]);
    expect(closed.code).toBe(3);
    expect(closed.stderr).toContain('(--schema.allowExtraFields is false)');
  });

  it('-dryRun converts everything, writes nothing, and reports the bad rows', async () => {
    const t = await table('dry', 'id int PRIMARY KEY, n int');
    const file = join(dir, 'dry.csv');
    await writeFile(file, 'id,n\n1,1\n2,two\n3,3\n');
    const badFile = join(dir, 'dry-bad.jsonl');
    const reportPath = join(dir, 'dry.json');
    const run = await load([
      '-url',
      file,
      '-k',
      ks,
      '-t',
      t,
      '-dryRun',
      'true',
      '--badFile',
      badFile,
      '--report',
      reportPath,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('2 rows would be written (dry run: nothing written), 1 bad');
    expect(await rows(t)).toEqual([]);
    const r = await report(reportPath);
    expect(r).toMatchObject({ isDryRun: true, written: 2, bad: 1 });
    expect(r.insertQuery).toBe(`INSERT INTO "${ks}"."${t}" ("id", "n") VALUES (?, ?)`);
    const bad = await badLines(r.badFiles);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.record._source).toBe(`${file}:3`);
    expect(bad[0]!.error.message).toMatch(/column "n" \(int\): cannot convert 'two'/);
  });

  it('past --maxErrors exits 2; written rows are in the table and every bad row is in the bad file with its line and reason', async () => {
    const t = await table('strict', 'id int PRIMARY KEY, n int');
    const lines = ['id,n'];
    const badIds = new Set([13, 57, 101, 150]);
    for (let i = 0; i < 200; i++) lines.push(`${i},${badIds.has(i) ? `bad${i}` : i}`);
    const file = join(dir, 'strict.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const reportPath = join(dir, 'strict.json');
    const badFile = join(dir, 'strict-bad.jsonl');
    const run = await load([
      '-url',
      file,
      '-k',
      ks,
      '-t',
      t,
      '-maxErrors',
      '3',
      '--badFile',
      badFile,
      '--report',
      reportPath,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad rows exceed -maxErrors 3/);
    const r = await report(reportPath);
    expect(r.status).toBe('tooManyErrors');
    expect(r.bad).toBeGreaterThan(3);
    const bad = await badLines(r.badFiles);
    expect(bad).toHaveLength(r.bad);
    for (const b of bad) {
      const id = Number(b.record.id);
      expect(badIds.has(id)).toBe(true);
      // Row id i sits on line i + 2 (after the header).
      expect(b.record._source).toBe(`${file}:${id + 2}`);
      expect(b.error.message).toContain(`cannot convert 'bad${id}'`);
    }
    // The load drained: it read no further, and finished what it had read.
    expect(r.written + r.bad).toBe(r.rowsRead);
    const stored = await rows(t);
    expect(stored.length).toBe(r.written);
    for (const row of stored) expect(row.n).toBe(row.id);
  });

  it('a missing table, a missing input and an unreachable host fail clearly', async () => {
    const file = join(dir, 'one.csv');
    await writeFile(file, 'id\n1\n');
    const missingTable = await load(['-url', file, '-k', ks, '-t', 'no_such_table']);
    expect(missingTable.code).toBe(3);
    expect(missingTable.stderr).toContain(`table "${ks}.no_such_table" does not exist`);
    // As a wrong keyspace lists the keyspaces, a wrong table lists the keyspace's tables.
    const fit = await table('listed', 'id int PRIMARY KEY');
    expect((await load(['-url', file, '-k', ks, '-t', 'no_such_table'])).stderr).toMatch(
      new RegExp(`\\(tables of ${ks}: [a-z_, ]*\\b${fit}\\b`),
    );
    const missingFile = await load(['-url', join(dir, 'nope.csv'), '-k', ks, '-t', 'x']);
    expect(missingFile.code).toBe(3);
    expect(missingFile.stderr).toContain(
      `input ${join(dir, 'nope.csv')}: no such file or directory`,
    );
    const unreachable = await sluice([
      '-url',
      file,
      '-k',
      ks,
      '-t',
      'x',
      '-h',
      '127.0.0.254:9',
      '--workers',
      '1',
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot connect to Cassandra at 127\.0\.0\.254:9/);
    const badOption = await sluice(['-url', file, '-k', ks, '-t', 'x', '-cl', 'SOMETIMES']);
    expect(badOption.code).toBe(3);
    expect(badOption.stderr).toMatch(/option -cl must be one of/);
  });

  it('without -h and CASSANDRA_CONTACT_POINTS, uses the local cluster and says so', async (context) => {
    // Only where the suite itself runs the local cluster: elsewhere this would start one.
    const localDir = target().dir;
    if (localDir === undefined || resolve(ROOT, localDir) !== resolve(ROOT, '.sluice/cassandra')) {
      context.skip();
    }
    const t = await table('local', 'id int PRIMARY KEY');
    const file = join(dir, 'local.csv');
    await writeFile(file, 'id\n42\n');
    const run = await sluice(['-url', file, '-k', ks, '-t', t, '--workers', '1']);
    expect(run.stderr).toMatch(/no -h and no CASSANDRA_CONTACT_POINTS: using the local cluster/);
    expect(run.code).toBe(0);
    expect(await rows(t)).toEqual([{ id: 42 }]);
  });

  it('with password authentication, the password appears in no output', async () => {
    const auth = inject('cassandraAuth');
    const authClient = new cassandra.Client({
      contactPoints: auth.contactPoints,
      localDataCenter: auth.localDataCenter,
      credentials: auth.credentials,
    });
    // A password of its own: the superuser's ("cassandra") occurs in ordinary output.
    const role = uniqueName('loader');
    const password = `pw-${uniqueName('secret')}`;
    const authKs = uniqueName('loadauth');
    try {
      await createKeyspace(authClient, authKs, 1);
      await authClient.execute(`CREATE TABLE ${authKs}.t (id int PRIMARY KEY, n int)`);
      await authClient.execute(
        `CREATE ROLE ${role} WITH PASSWORD = '${password}' AND LOGIN = true`,
      );
      await authClient.execute(`GRANT ALL PERMISSIONS ON KEYSPACE ${authKs} TO ${role}`);
      const file = join(dir, 'auth.csv');
      await writeFile(file, 'id,n\n1,1\n2,oops\n');
      const reportPath = join(dir, 'auth.json');
      const badFile = join(dir, 'auth-bad.jsonl');
      const common = [
        '-url',
        file,
        '-k',
        authKs,
        '-t',
        't',
        '-h',
        auth.contactPoints.join(','),
        '--dc',
        auth.localDataCenter,
        '-u',
        role,
        '--workers',
        '1',
      ];
      const ok = await sluice([
        ...common,
        '-p',
        password,
        '--report',
        reportPath,
        '--badFile',
        badFile,
      ]);
      expect(ok.stderr).not.toMatch(/sluice load:/);
      expect(ok.code).toBe(1);
      const fromEnv = await sluice([...common, '-dryRun'], { env: { SLUICE_PASSWORD: password } });
      expect(fromEnv.code).toBe(1);
      const wrong = await sluice([...common, '-p', `${password}-wrong`]);
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(/sluice load: .*(auth|credentials|password)/i);
      const outputs = [ok, fromEnv, wrong].flatMap((r) => [r.stdout, r.stderr]);
      outputs.push(await readFile(reportPath, 'utf8'));
      for (const name of await readdir(dir)) {
        if (name.startsWith('auth-bad')) outputs.push(await readFile(join(dir, name), 'utf8'));
      }
      for (const text of outputs) expect(text).not.toContain(password);
      const stored = await authClient.execute(`SELECT id FROM ${authKs}.t`);
      expect(stored.rows.map((r) => r.id)).toEqual([1]);
    } finally {
      await authClient.execute(`DROP KEYSPACE IF EXISTS ${authKs}`).catch(() => {});
      await authClient.execute(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
      await authClient.shutdown();
    }
  });
});
