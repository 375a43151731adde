/** The demo's sample dataset: valid CSV of the demo table's columns, the same on every run. */

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleDataset } from '../../cli/demo.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function generate(rows: number): Promise<{ path: string; text: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-demo-'));
  dirs.push(dir);
  const path = await sampleDataset(dir, rows);
  return { path, text: await readFile(path, 'utf8') };
}

describe('demo dataset', () => {
  it('has one record per row, every primary key distinct, and typed values', async () => {
    const { text } = await generate(5000);
    const records = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(5000);
    expect(Object.keys(records[0]!)).toEqual([
      'sensor_id',
      'ts',
      'site',
      'temperature',
      'humidity',
      'battery',
      'ok',
      'note',
    ]);
    // A duplicate (sensor_id, ts) would be written twice into one row: the table would hold
    // fewer rows than the summary's "written".
    expect(new Set(records.map((r) => `${r.sensor_id}|${r.ts}`)).size).toBe(5000);
    for (const r of records) {
      expect(r.sensor_id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(Number.isNaN(Date.parse(r.ts!))).toBe(false);
      expect(Number.isFinite(Number(r.temperature))).toBe(true);
      expect(['true', 'false']).toContain(r.ok);
      expect(r.battery === '' || Number.isInteger(Number(r.battery))).toBe(true);
    }
    // The quoting cases the demo means to show: a quoted comma and quote, an embedded newline.
    expect(records.some((r) => r.note!.includes('"drift"'))).toBe(true);
    expect(records.some((r) => r.note!.includes('\n'))).toBe(true);
    expect(records.some((r) => r.site === 'Zürich')).toBe(true);
  });

  it('is the same bytes on every run', async () => {
    const a = await generate(3000);
    const b = await generate(3000);
    expect(a.text).toBe(b.text);
  });
});

describe('sluice demo (command line)', () => {
  const sluice = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));
  const demo = (args: string[]) =>
    spawnSync(process.execPath, [sluice, 'demo', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('takes the connection flags of load: -h is the host, not help', () => {
    const help = demo(['--help']);
    expect(help.stdout).toMatch(/-h, --host <hosts>/);
    expect(help.stdout).toMatch(/--password-file <path>/);
    // Nothing listens on port 9 here: the demo goes to that host, and says it cannot connect.
    const run = demo(['-h', '127.0.0.1:9', '--rows', '10']);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('cannot connect to Cassandra at 127.0.0.1:9');
    expect(run.stderr).not.toMatch(/using the local cluster/);
  });
});
