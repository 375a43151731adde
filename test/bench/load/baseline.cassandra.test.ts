/**
 * The baseline loader and the benchmark's table checks, against the real cluster: the
 * baseline writes every row of the CSV with its values, and the checks that make a load a
 * result (the row count, the sample digest) see a lost row and a changed value.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { runChild } from '../../../bench/load/child.ts';
import { BenchTable, canonicalRow, digestOf } from '../../../bench/load/cluster.ts';
import { ensureCsv, sampleUserIds } from '../../../bench/load/data.ts';
import { testClient, uniqueKeyspace } from '../../cli/bench/fixtures/cluster.ts';

const target = inject('cassandra');
const BASELINE = fileURLToPath(new URL('../../../bench/load/baseline.ts', import.meta.url));
const ROWS = 600;
let dir: string;
let csv: string;
let table: BenchTable;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-load-baseline-'));
  csv = (await ensureCsv(dir, ROWS)).path;
  table = await BenchTable.open(target.contactPoints, 1, uniqueKeyspace('bench_load'));
});

afterAll(async () => {
  await table?.dropAndClose();
  await rm(dir, { recursive: true, force: true });
});

/** The sample's digest computed from the file alone, as the columns' values should read back. */
async function expectedSample(): Promise<{ digest: string; rows: number }> {
  const ids = new Set(sampleUserIds(ROWS).map(String));
  const records = parse(await readFile(csv, 'utf8'), { columns: true }) as Record<string, string>[];
  const lines = records
    .filter((r) => ids.has(r.user_id!))
    .map((r) =>
      canonicalRow([
        r.user_id,
        r.event_id,
        new Date(r.created_at!).toISOString(),
        r.name,
        r.country === '' ? null : r.country,
        Number(r.amount),
        Number(r.quantity),
        r.is_active === 'true',
      ]),
    );
  return { digest: digestOf(lines), rows: lines.length };
}

describe('the bulk-load baseline', () => {
  it('writes every row of the file with the values the file holds', async () => {
    const run = await runChild(
      process.execPath,
      ['--import', 'tsx', BASELINE, csv, target.contactPoints.join(','), table.name, '64'],
      120_000,
    );
    expect(run.stderrTail).toBe('');
    expect(run.exitCode).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ rows: ROWS, errors: 0 });
    expect(run.cpuSeconds).toBeGreaterThan(0);
    expect(await table.countRows(ROWS)).toBe(ROWS);
    const expected = await expectedSample();
    expect(expected.rows).toBeGreaterThan(0);
    expect(await table.sampleDigest(sampleUserIds(ROWS))).toEqual(expected);
  });

  it('fails the checks when a value changes or a row is lost, and truncate empties the table', async () => {
    const ids = sampleUserIds(ROWS);
    const before = await table.sampleDigest(ids);
    const client = testClient(target);
    onTestFinished(() => client.shutdown());
    const row = (
      await client.execute(
        `SELECT user_id, event_id FROM ${table.name} WHERE user_id = ?`,
        [ids[1]],
        {
          prepare: true,
        },
      )
    ).first();
    await client.execute(
      `UPDATE ${table.name} SET amount = -0.5 WHERE user_id = ? AND event_id = ?`,
      [row.user_id, row.event_id],
      { prepare: true },
    );
    const changed = await table.sampleDigest(ids);
    expect(changed.rows).toBe(before.rows);
    expect(changed.digest).not.toBe(before.digest);
    await client.execute(
      `DELETE FROM ${table.name} WHERE user_id = ? AND event_id = ?`,
      [row.user_id, row.event_id],
      { prepare: true },
    );
    expect(await table.countRows(ROWS)).toBe(ROWS - 1);
    await table.truncate();
    expect(await table.countRows(ROWS)).toBe(0);
  });
});
