/**
 * A corpus of awkward files (test/fixtures/awkward/, plus a 3 MB field and a 20 MB record
 * made here) loaded by the real `sluice load` into the real cluster, through 1, 2 and 4
 * readers: every good record lands in the table, every bad one is in the bad files with its
 * file, line and reason, nothing is read twice or lost, and written + bad = read.
 */

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
import { clusterArgs, ROOT, sluiceLoad } from './cli.ts';

const CORPUS = join(ROOT, 'test/fixtures/awkward');
const BIG_FIELD_CHARS = 3 << 20;
const OVERSIZE_CHARS = 20 << 20;

/** Rows each file should give, by id: what every run must find in the table. */
const GOOD = [
  101, 104, 201, 203, 205, 301, 302, 401, 403, 501, 502, 503, 601, 603, 701, 702, 902, 1001, 1002,
  1102,
];

/** Bad records: "file:line" → the reason, as the bad files give them. */
const BAD: Record<string, RegExp> = {
  'field-counts.csv:3': /^2 fields where the header has 3$/,
  'field-counts.csv:4': /^4 fields where the header has 3$/,
  'quote-middle.csv:4': /^Invalid Opening Quote/,
  'quote-middle.csv:6': /^Invalid Closing Quote/,
  'quote-end.csv:4': /^Quote Not Closed/,
  'invalid-utf8.csv:3': /^invalid UTF-8/,
  'gzipped.csv.gz:3': /^4 fields where the header has 3$/,
  'windows-1252.csv:2': /^invalid UTF-8 \(a Windows-1252 or Latin-1 file\? convert it first/,
  'oversize.csv:3': /longer than maxRecordBytes \(16777216\)/,
};

let client: cassandra.Client;
let ks: string;
let dir: string;
let big: string;
let oversize: string;

async function rowsOf(table: string): Promise<Map<number, { name: string; n: number }>> {
  const result = await client.execute(`SELECT id, name, n FROM ${ks}.${table}`, [], {
    fetchSize: 1000,
  });
  return new Map(result.rows.map((r) => [r.id as number, { name: r.name, n: r.n }]));
}

async function jsonLines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function loadInto(table: string, url: string, workers: number, extra: string[] = []) {
  const logs = join(dir, `logs-${table}`);
  const reportPath = join(dir, `${table}.json`);
  const c = clusterArgs(workers);
  const run = await sluiceLoad(
    [
      '-url',
      url,
      '-k',
      ks,
      '-t',
      table,
      '--logDirectory',
      logs,
      '--report',
      reportPath,
      ...extra,
      ...c.args,
    ],
    { env: c.env },
  );
  const [op] = await readdir(logs).catch(() => [] as string[]);
  const report =
    run.code === 3 ? undefined : (JSON.parse(await readFile(reportPath, 'utf8')) as LoadReport);
  return { run, report, op: op === undefined ? undefined : join(logs, op) };
}

beforeAll(async () => {
  client = testClient();
  ks = uniqueName('corpus');
  await createKeyspace(client, ks, Math.min(3, target().contactPoints.length));
  dir = await mkdtemp(join(tmpdir(), 'sluice-corpus-'));
  big = join(dir, 'big-field.csv');
  await writeFile(big, `id,name,n\n1001,"${'b'.repeat(BIG_FIELD_CHARS)}",1\n1002,after,2\n`);
  oversize = join(dir, 'oversize.csv');
  await writeFile(
    oversize,
    `id,name,n\n1101,"${'o'.repeat(OVERSIZE_CHARS)}",1\n1102,after,2\n`.replace(
      '1101,',
      // The 20 MB record starts on line 3: one short line before it.
      '1100,short,0\n1101,',
    ),
  );
});

afterAll(async () => {
  await client?.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await client?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice load on awkward files', () => {
  for (const workers of [1, 2, 4]) {
    it(`through ${workers} reader(s): rows, bad records and their lines exactly as expected`, async () => {
      const table = `corpus_${workers}`;
      await client.execute(`CREATE TABLE ${ks}.${table} (id int PRIMARY KEY, name text, n int)`);
      const { run, report, op } = await loadInto(table, `${CORPUS},${big},${oversize}`, workers);
      expect(run.code, run.stderr).toBe(1);
      const rows = await rowsOf(table);
      expect([...rows.keys()].sort((a, b) => a - b)).toEqual([...GOOD, 1100].sort((a, b) => a - b));
      expect(rows.get(201)?.name).toBe('multi\nline');
      expect(rows.get(203)?.name).toBe('ok "quoted"');
      expect(rows.get(502)?.name).toBe('two\r\nlines');
      expect(rows.get(1001)?.name).toHaveLength(BIG_FIELD_CHARS);
      const bad = await jsonLines(join(op!, 'connector.bad'));
      const found = Object.fromEntries(
        bad.map((b) => [String(b._source).split('/').pop(), String(b._error)]),
      );
      expect(Object.keys(found).sort()).toEqual(Object.keys(BAD).sort());
      for (const [where, reason] of Object.entries(BAD))
        expect(found[where], where).toMatch(reason);
      // The 20 MB record is reported by its head, not copied whole.
      const huge = bad.find((b) => String(b._source).endsWith('oversize.csv:3'))!;
      expect(String(huge._record).length).toBeLessThan(4096);
      expect(report).toMatchObject({
        status: 'completedWithErrors',
        written: GOOD.length + 1,
        bad: Object.keys(BAD).length,
        badByKind: { connector: Object.keys(BAD).length, mapping: 0, load: 0 },
        rowsRead: GOOD.length + 1 + Object.keys(BAD).length,
      });
      expect(run.stdout).toContain(
        'every record read was written or reported (written + bad = read)',
      );
      const errorsLog = await readFile(join(op!, 'connector-errors.log'), 'utf8');
      expect(errorsLog).toContain(`Source: ${join(CORPUS, 'quote-end.csv')}:4`);
      expect(await readdir(op!)).toEqual(
        expect.arrayContaining(['operation.log', 'summary.json', 'connector.bad']),
      );
    });
  }

  it('tab-separated, comments and leading spaces, with DSBulk spellings', async () => {
    const table = 'tabs';
    await client.execute(`CREATE TABLE ${ks}.${table} (id int PRIMARY KEY, name text, n int)`);
    const tsv = await loadInto(table, join(CORPUS, 'tabs.tsv'), 2, ['-delim', '\\t']);
    expect(tsv.run.code, tsv.run.stderr).toBe(1);
    const rows = await rowsOf(table);
    expect(rows.get(801)?.name).toBe('a b');
    expect(rows.get(802)?.name).toBe('quoted\ttab');
    expect(rows.has(803)).toBe(false);
    const [bad] = await jsonLines(join(tsv.op!, 'connector.bad'));
    expect(bad?._source).toBe(`${join(CORPUS, 'tabs.tsv')}:4`);

    const commented = join(dir, 'commented.csv');
    await writeFile(commented, 'id,name,n\n# 850,"not a row\n851, "spaced",1\n852,x,2\n853,x,3\n');
    const run = await loadInto(table, commented, 1, [
      '--connector.csv.comment',
      '#',
      '--connector.csv.ignoreLeadingWhitespaces',
      'true',
      '--connector.csv.skipRecords',
      '1',
      '--connector.csv.maxRecords',
      '1',
    ]);
    expect(run.run.code, run.run.stderr).toBe(0);
    const after = await rowsOf(table);
    // The comment is no record; 851 is skipped, 852 read, 853 beyond maxRecords.
    expect([850, 851, 852, 853].filter((id) => after.has(id))).toEqual([852]);
  });

  it('bad rows fed back: mapping.bad, once fixed, loads with -c json', async () => {
    const table = 'refeed';
    await client.execute(`CREATE TABLE ${ks}.${table} (id int PRIMARY KEY, name text, n int)`);
    const file = join(dir, 'refeed.csv');
    await writeFile(file, 'id,name,n\n1,a,1\n2,b,two\n3,c,three\n');
    const first = await loadInto(table, file, 2);
    expect(first.run.code).toBe(1);
    const bad = await jsonLines(join(first.op!, 'mapping.bad'));
    expect(bad.map((b) => [b.id, b._source])).toEqual(
      expect.arrayContaining([
        ['2', `${file}:3`],
        ['3', `${file}:4`],
      ]),
    );
    expect(String(bad[0]!._error)).toMatch(/column "n" \(int\): cannot convert/);
    expect(await readFile(join(first.op!, 'mapping-errors.log'), 'utf8')).toContain(
      `Source: ${file}:3`,
    );
    // Fix the values, and load the bad file as it is otherwise.
    const fixed = join(dir, 'fixed.jsonl');
    await writeFile(
      fixed,
      bad.map((b) => JSON.stringify({ ...b, n: b.id === '2' ? 2 : 3 })).join('\n'),
    );
    await rm(join(dir, `logs-${table}`), { recursive: true });
    const again = await loadInto(table, fixed, 2, ['-c', 'json']);
    expect(again.run.code, again.run.stderr).toBe(0);
    const rows = await rowsOf(table);
    expect([...rows.entries()].sort(([a], [b]) => a - b)).toEqual([
      [1, { name: 'a', n: 1 }],
      [2, { name: 'b', n: 2 }],
      [3, { name: 'c', n: 3 }],
    ]);
  });

  it('a header with a duplicate name fails at once, naming it; an empty corpus loads nothing', async () => {
    const table = 'fatal';
    await client.execute(`CREATE TABLE ${ks}.${table} (id int PRIMARY KEY, name text, n int)`);
    const dup = await loadInto(table, join(CORPUS, 'fatal/duplicate-header.csv'), 2);
    expect(dup.run.code).toBe(3);
    expect(dup.run.stderr).toMatch(/duplicate column name 'name'/);
    expect((await rowsOf(table)).size).toBe(0);
    const empty = await loadInto(
      table,
      `${join(CORPUS, 'empty.csv')},${join(CORPUS, 'header-only.csv')}`,
      2,
    );
    expect(empty.run.code, empty.run.stderr).toBe(0);
    expect(empty.report).toMatchObject({ written: 0, bad: 0, rowsRead: 0 });
  });
});
