/**
 * The write-side options of `sluice load`, with DSBulk's spellings, through the real CLI
 * (`node bin/sluice.js load …`) against the real cluster: -query (counter tables), -ttl,
 * -timestamp, the mapping's __ttl / __timestamp, function mappings, exclusions, and
 * --schema.nullToUnset. Each is checked by reading back what Cassandra stored: the values,
 * TTL(col) and WRITETIME(col).
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '../../../cli/load/report.ts';
import {
  createKeyspace,
  target,
  testClient,
  uniqueName,
} from '../../connectors/cassandra/cluster.ts';
import { type CliRun, clusterArgs, sluiceLoad } from './cli.ts';

let client: cassandra.Client;
let ks: string;
let dir: string;

/** Runs `sluice load` on the shared cluster; fails the test if it has not exited by itself. */
async function load(args: string[]): Promise<CliRun> {
  const c = clusterArgs(2);
  return sluiceLoad([...args, ...c.args], { env: c.env });
}

async function table(name: string, columns: string): Promise<string> {
  await client.execute(`CREATE TABLE ${ks}.${name} (${columns})`);
  return name;
}

async function csv(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function select(query: string): Promise<cassandra.types.Row[]> {
  const result = await client.execute(query, [], { prepare: false });
  return result.rows;
}

/** Rows keyed by `id`, as plain objects. */
async function byId(query: string): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const row of await select(query)) out[String(row.get('id'))] = { ...row };
  return out;
}

function expectLoaded(run: CliRun, rows: number): void {
  expect(run.stderr, run.stderr).not.toMatch(/sluice load:/);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`${rows} rows written, 0 bad, ${rows} read`);
}

beforeAll(async () => {
  client = testClient();
  ks = uniqueName('loadw');
  await createKeyspace(client, ks, Math.min(3, target().contactPoints.length));
  dir = await mkdtemp(join(tmpdir(), 'sluice-load-write-'));
});

afterAll(async () => {
  await client?.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await client?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice load: counter tables', () => {
  it('-query UPDATE … SET c = c + :c adds every row, duplicates of one key included', async () => {
    const t = await table('hits', 'page text PRIMARY KEY, views counter, likes counter');
    const lines = ['page,n,l'];
    const expected = new Map<string, [number, number]>();
    // 300 rows over 7 pages: many rows of one key share a batch, and each must count.
    for (let i = 0; i < 300; i++) {
      const page = `p${i % 7}`;
      const [v, l] = expected.get(page) ?? [0, 0];
      expected.set(page, [v + i, l + 1]);
      lines.push(`${page},${i},1`);
    }
    const file = await csv('hits.csv', `${lines.join('\n')}\n`);
    const run = await load([
      '-url',
      file,
      '-query',
      `UPDATE ${ks}.${t} SET views = views + :n, likes = likes + :l WHERE page = :page`,
    ]);
    expectLoaded(run, 300);
    // The statement sent is the query as Sluice rewrote it, with its table from -query.
    const rows = await select(`SELECT page, views, likes FROM ${ks}.${t}`);
    expect(
      Object.fromEntries(
        rows.map((r) => [r.get('page'), [Number(r.get('views')), Number(r.get('likes'))]]),
      ),
    ).toEqual(Object.fromEntries(expected));
  });

  it('without -query, a counter table is written by increments: loading twice doubles', async () => {
    const t = await table('tally', 'id int PRIMARY KEY, n counter');
    const file = await csv('tally.csv', 'id,n\n1,5\n2,7\n1,1\n');
    for (let run = 0; run < 2; run++)
      expectLoaded(await load(['-url', file, '-k', ks, '-t', t]), 3);
    expect(await byId(`SELECT id, n FROM ${ks}.${t}`)).toEqual({
      1: { id: 1, n: 12n },
      2: { id: 2, n: 14n },
    });
  });
});

describe('sluice load: TTL and write time', () => {
  it('-ttl gives every cell that TTL; --schema.queryTimestamp that write time, to the microsecond', async () => {
    const t = await table('expiring', 'id int PRIMARY KEY, name text');
    const file = await csv('expiring.csv', 'id,name\n1,a\n2,b\n');
    expectLoaded(
      await load([
        '-url',
        file,
        '-k',
        ks,
        '-t',
        t,
        '-ttl',
        '3600',
        '--schema.queryTimestamp',
        '2024-05-01T12:00:00.123456Z',
      ]),
      2,
    );
    const rows = await select(`SELECT id, TTL(name) AS ttl, WRITETIME(name) AS w FROM ${ks}.${t}`);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      // Counted down from 3600 since the write: a few seconds on a busy cluster.
      expect(row.get('ttl')).toBeGreaterThan(3000);
      expect(row.get('ttl')).toBeLessThanOrEqual(3600);
      expect(row.get('w')).toBe(1_714_564_800_123_456n);
    }
  });

  it('__ttl and __timestamp give each row its own; an empty field leaves the default', async () => {
    const t = await table('per_row', 'id int PRIMARY KEY, name text');
    const file = await csv(
      'per_row.csv',
      'id,name,keep,written\n' +
        '1,a,1000,2024-01-01T00:00:00Z\n' +
        '2,b,200000,2024-01-01T00:00:00.000002Z\n' +
        '3,c,,1700000000000\n',
    );
    expectLoaded(
      await load([
        '-url',
        file,
        '-k',
        ks,
        '-t',
        t,
        '-m',
        'id=id, name=name, keep=__ttl, written=__timestamp',
      ]),
      3,
    );
    const rows = await byId(`SELECT id, TTL(name) AS ttl, WRITETIME(name) AS w FROM ${ks}.${t}`);
    expect(Number(rows[1]!.ttl)).toBeGreaterThan(900);
    expect(Number(rows[1]!.ttl)).toBeLessThanOrEqual(1000);
    expect(Number(rows[2]!.ttl)).toBeGreaterThan(199_000);
    expect(rows[3]!.ttl).toBeNull();
    expect(rows[1]!.w).toBe(1_704_067_200_000_000n);
    expect(rows[2]!.w).toBe(1_704_067_200_000_002n);
    // A number is milliseconds since the epoch, as for a timestamp column.
    expect(rows[3]!.w).toBe(1_700_000_000_000_000n);
  });
});

describe('sluice load: function mappings and exclusions', () => {
  it('now() = col fills a timeuuid; toTimestamp(now()) a timestamp; the header need not have them', async () => {
    const t = await table(
      'stamped',
      'id int PRIMARY KEY, name text, seen timeuuid, loaded_at timestamp, u uuid',
    );
    const file = await csv('stamped.csv', 'id,name\n1,a\n2,b\n3,c\n');
    const before = Date.now();
    const run = await load([
      '-url',
      file,
      '-k',
      ks,
      '-t',
      t,
      '-m',
      '*=*, now() = seen, toTimestamp(now()) = loaded_at, uuid() = u',
    ]);
    expectLoaded(run, 3);
    const rows = await byId(`SELECT * FROM ${ks}.${t}`);
    const uuids = new Set<string>();
    for (const row of Object.values(rows)) {
      const seen = row.seen as cassandra.types.TimeUuid;
      expect(seen.getBuffer()[6]! >> 4).toBe(1);
      expect(seen.getDate().getTime()).toBeGreaterThanOrEqual(before - 60_000);
      expect((row.loaded_at as Date).getTime()).toBeGreaterThanOrEqual(before - 60_000);
      expect(row.u).not.toBeNull();
      uuids.add(String(row.u));
    }
    // Cassandra evaluates the function once per row.
    expect(uuids.size).toBe(3);
  });

  it('* = [-c2, -c3] writes every column but those: they stay null', async () => {
    const t = await table('partial', 'id int PRIMARY KEY, c1 text, c2 text, c3 text');
    const file = await csv('partial.csv', 'id,c1,c2,c3\n1,a,b,c\n2,d,e,f\n');
    const run = await load(['-url', file, '-k', ks, '-t', t, '-m', '* = [-c2, -c3]']);
    expectLoaded(run, 2);
    // The excluded columns' fields are fields with no column: ignored, with a warning.
    expect(run.stderr).toContain('field "c2" of the header');
    expect(await byId(`SELECT * FROM ${ks}.${t}`)).toEqual({
      1: { id: 1, c1: 'a', c2: null, c3: null },
      2: { id: 2, c1: 'd', c2: null, c3: null },
    });
  });
});

describe('sluice load: --schema.nullToUnset', () => {
  it('true (the default) leaves a column with a null field as it was; false writes the null', async () => {
    const t = await table('kept', 'id int PRIMARY KEY, name text, note text');
    await client.execute(`INSERT INTO ${ks}.${t} (id, name, note) VALUES (1, 'old', 'old')`);
    await client.execute(`INSERT INTO ${ks}.${t} (id, name, note) VALUES (2, 'old', 'old')`);
    const file = await csv('kept.csv', 'id,name,note\n1,,new\n');
    expectLoaded(await load(['-url', file, '-k', ks, '-t', t]), 1);
    expect((await byId(`SELECT * FROM ${ks}.${t}`))[1]).toEqual({
      id: 1,
      name: 'old',
      note: 'new',
    });
    // Nothing was written to name: it keeps the first write's time, older than note's.
    const [times] = await select(
      `SELECT WRITETIME(name) AS name_w, WRITETIME(note) AS note_w FROM ${ks}.${t} WHERE id = 1`,
    );
    expect(times!.get('name_w')).toBeLessThan(times!.get('note_w'));

    const file2 = await csv('kept2.csv', 'id,name,note\n2,,new\n');
    expectLoaded(
      await load(['-url', file2, '-k', ks, '-t', t, '--schema.nullToUnset', 'false']),
      1,
    );
    expect((await byId(`SELECT * FROM ${ks}.${t}`))[2]).toEqual({ id: 2, name: null, note: 'new' });
  });
});

describe('sluice load: the statement is checked before anything is read', () => {
  it('a -query naming a column the table lacks, DELETE, and -ttl with -query fail with exit 3', async () => {
    const t = await table('strict', 'id int PRIMARY KEY, name text');
    const file = await csv('strict.csv', 'id,name\n1,a\n');
    const cases: Array<[string[], RegExp]> = [
      [
        ['-query', `INSERT INTO ${ks}.${t} (id, nmae) VALUES (:id, :name)`],
        /query: it names column "nmae", which .*strict lacks \(did you mean "name"\?\)/,
      ],
      [['-query', `DELETE FROM ${ks}.${t} WHERE id = :id`], /DELETE is not a load's statement/],
      [
        ['-query', `INSERT INTO ${ks}.${t} (id, name) VALUES (:id, :name)`, '-ttl', '60'],
        /goes in the query itself/,
      ],
      [['-k', ks, '-t', t, '-m', '*=*, uuid() = name'], /cannot take uuid\(\), a uuid/],
      [['-k', ks, '-t', t, '-ttl', 'true'], /DSBulk's -ttl true\|false .* not supported/],
    ];
    for (const [args, message] of cases) {
      const run = await load(['-url', file, ...args]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(message);
    }
    expect(await select(`SELECT * FROM ${ks}.${t}`)).toEqual([]);
  });

  it('-dryRun reports the statement a real load would send', async () => {
    const t = await table('dry', 'id int, at timeuuid, body text, PRIMARY KEY (id, at)');
    const file = await csv('dry.csv', 'id,body\n1,x\n');
    const reportPath = join(dir, 'dry.json');
    const run = await load([
      '-url',
      file,
      '-k',
      ks,
      '-t',
      t,
      '-m',
      'id, body, now() = at',
      '-ttl',
      '60',
      '-dryRun',
      'true',
      '--report',
      reportPath,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(await readFile(reportPath, 'utf8')) as LoadReport;
    expect(r.insertQuery).toBe(
      `INSERT INTO "${ks}"."${t}" ("id", "body", "at") VALUES (?, ?, now()) USING TTL 60`,
    );
    expect(await select(`SELECT * FROM ${ks}.${t}`)).toEqual([]);
  });
});
