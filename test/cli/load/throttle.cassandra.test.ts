/**
 * DSBulk's throttles through the real CLI (`node bin/sluice.js load …`) against the shared
 * cluster: the limits given on the command line reach the sink and hold the whole load back.
 * The sink's own counters are checked in test/connectors/cassandra/throttle.cassandra.test.ts;
 * here, the load's duration is a lower bound the limit implies, which a slow machine only
 * makes easier to meet, never harder.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '../../../cli/load/report.ts';
import { TokenBucket } from '../../../connectors/cassandra/rate-limit.ts';
import { createKeyspace, testClient, uniqueName } from '../../connectors/cassandra/cluster.ts';
import { clusterArgs, sluiceLoad } from './cli.ts';

let client: cassandra.Client;
let dir: string;
const ks = uniqueName('sluice_cli_throttle');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-throttle-'));
  client = testClient();
  await client.connect();
  await createKeyspace(client, ks, 3);
  await client.execute(`CREATE TABLE ${ks}.paced (id int PRIMARY KEY, name text)`);
});

afterAll(async () => {
  await client?.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
  await client?.shutdown();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('sluice load with DSBulk throttles', () => {
  it('-maxConcurrentQueries and --executor.maxPerSecond hold the whole load to the rate', async () => {
    const count = 2000;
    const rate = 200;
    const csv = join(dir, 'paced.csv');
    const lines = ['id,name', ...Array.from({ length: count }, (_, i) => `${i},name ${i}`)];
    await writeFile(csv, `${lines.join('\n')}\n`);
    const reportPath = join(dir, 'paced.json');
    const cluster = clusterArgs();
    const run = await sluiceLoad(
      [
        '-url',
        csv,
        '-k',
        ks,
        '-t',
        'paced',
        '-maxConcurrentQueries',
        '1',
        '--executor.maxPerSecond',
        String(rate),
        '--report',
        reportPath,
        '--log.directory',
        join(dir, 'logs'),
        ...cluster.args,
      ],
      { env: cluster.env },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as LoadReport;
    expect(report).toMatchObject({ written: count, bad: 0, retries: 0 });
    // One sink instance (one request in flight allows no more): its burst and one batch of
    // 32 rows may go at once; the rest at the rate.
    const burst = new TokenBucket(rate, 0).capacity + 32;
    expect(report.durationMs).toBeGreaterThanOrEqual(((count - burst) / rate) * 1000);
    expect(report.rowsPerSecond).toBeLessThanOrEqual(rate);
    const stored = await client.execute(`SELECT count(*) FROM ${ks}.paced`);
    expect(Number(stored.first().get(0))).toBe(count);
  });

  it('a throttle it cannot read fails at once, naming the option (exit 3)', async () => {
    const run = await sluiceLoad([
      '-url',
      join(dir, 'paced.csv'),
      '-k',
      ks,
      '-t',
      'paced',
      '--executor.maxBytesPerSecond',
      '10 parsecs',
      '--log.directory',
      join(dir, 'logs'),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('option --executor.maxBytesPerSecond must be bytes per second');
  });
});
