/**
 * Transient write failures and the books, against a real fault: a replica paused with SIGSTOP
 * while a job writes, on a 3-node cluster of this file's own on 127.0.0.11-13 (private-cluster.ts;
 * the suite's shared cluster is never paused).
 *
 * While retries succeed, the requests the paused node timed out are retried and no row is bad,
 * even with maxErrors 0; the retries reach a load's report through `sinkTotals`, counted apart.
 * When a row's retries run out, it is bad with its cause, `retriesExhausted`, and only then.
 * faults.cassandra.test.ts covers failover and outages; this file, how failures are counted.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary, type LoadReport, sinkTotals } from '../../../cli/load/report.ts';
import type { CassandraOptions } from '../../../connectors/cassandra/index.ts';
import { Ring, ringSpecFromClient } from '../../../connectors/cassandra/ring.ts';
import { RowMapper, readTableSchema } from '../../../connectors/cassandra/schema.ts';
import type { CassandraWriteResult } from '../../../connectors/cassandra/writer.ts';
import { type JobHandle, type JobStats, run } from '../../../index.ts';
import type { FaultJobParams } from '../../fixtures/jobs/cassandra-faults.ts';
import { createKeyspace, uniqueName } from './cluster.ts';
import { type PrivateCluster, startPrivateCluster } from './private-cluster.ts';
import { progressUntil as progressOf, sinkStats as statsOf } from './sink-progress.ts';

const sinkStats = (stats: JobStats) => statsOf<WriterStats>(stats);
const progressUntil = (
  handle: JobHandle,
  what: string,
  isMet: (stats: WriterStats) => boolean,
  timeoutMs?: number,
) => progressOf<WriterStats>(handle, what, isMet, timeoutMs);

const job = new URL('../../fixtures/jobs/cassandra-faults.ts', import.meta.url);
const { consistencies } = cassandra.types;
const PAUSED = 13;

interface WriterStats {
  received: number;
  written: number;
  bad: number;
  retries: number;
  badCauses: { conversion: number; rejected: number; retriesExhausted: number };
  hosts: Record<string, { errors: Record<string, number> }>;
}

let own: PrivateCluster;
let client: cassandra.Client;
let dir: string;
const keyspace = uniqueName('sluice_transient');
const TABLES = ['retried', 'exhausted'] as const;
type Table = (typeof TABLES)[number];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-transient-'));
  own = await startPrivateCluster();
  client = new cassandra.Client({
    contactPoints: own.cluster.contactPoints,
    localDataCenter: own.cluster.localDataCenter,
    queryOptions: { consistency: consistencies.quorum },
  });
  await client.connect();
  await createKeyspace(client, keyspace, 3);
  for (const table of TABLES) {
    await client.execute(
      `CREATE TABLE ${keyspace}.${table} (id int, name text, seq int, body text, PRIMARY KEY (id, name))`,
    );
  }
});

const jobs: JobHandle[] = [];
afterEach(async () => {
  // Never leave a node paused for the next case, nor a job writing into it.
  process.kill(pidOf(PAUSED), 'SIGCONT');
  await Promise.all(jobs.splice(0).map((handle) => handle.cancel()));
});

afterAll(async () => {
  await client?.shutdown();
  await own?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function nativeAddress(number: number): string {
  const node = own.layout.nodes.find((n) => n.number === number)!;
  return `${node.address}:${node.nativePort}`;
}

function pidOf(number: number): number {
  return own.cluster.pids[own.layout.nodes.findIndex((n) => n.number === number)]!;
}

function runJob(
  table: Table,
  params: Omit<FaultJobParams, 'sink'>,
  sink: Partial<CassandraOptions>,
) {
  const handle = run(job, {
    params: {
      ...params,
      sink: {
        contactPoints: own.cluster.contactPoints,
        localDataCenter: own.cluster.localDataCenter,
        keyspace,
        table,
        consistency: 'QUORUM',
        badFile: join(dir, `${table}.jsonl`),
        ...sink,
      },
    },
    workers: 2,
    progressIntervalMs: 100,
  });
  jobs.push(handle);
  return handle;
}

function sinkIdOf(stats: JobStats): string {
  for (const actor of stats.actors) {
    const id = Object.keys(actor.sinks).find((k) => k.startsWith('cassandra'));
    if (id !== undefined) return id;
  }
  throw new Error('no cassandra sink in the stats');
}

function errorsOn(stats: WriterStats, host: string): number {
  return Object.values(stats.hosts[host]?.errors ?? {}).reduce((a, b) => a + b, 0);
}

/** Partition keys whose primary replica is `host`, by the ring the sink routes with. */
async function idsWithPrimary(table: Table, host: string, count: number): Promise<number[]> {
  const ring = new Ring(ringSpecFromClient(client, keyspace));
  const mapper = new RowMapper(await readTableSchema(client, keyspace, table));
  const ids: number[] = [];
  for (let id = 0; ids.length < count; id++) {
    const { token } = mapper.bind({ id, name: '', seq: 0, body: '' });
    if (ring.hosts[ring.replicasOf(token)[0]!]!.address === host) ids.push(id);
  }
  return ids;
}

async function seqsIn(table: Table): Promise<Set<number>> {
  const seqs = new Set<number>();
  const result = await client.execute(`SELECT seq FROM ${keyspace}.${table}`, [], {
    fetchSize: 5000,
  });
  for await (const row of result) seqs.add(row.seq as number);
  return seqs;
}

describe('a replica paused with SIGSTOP while a job writes (RF 3, QUORUM)', () => {
  it('retries the writes it timed out; no row is bad, even with maxErrors 0, and the report counts the retries apart', async () => {
    const paused = nativeAddress(PAUSED);
    const count = 3000;
    const handle = runJob(
      'retried',
      {
        count,
        ratePerSecond: 1000,
        ids: await idsWithPrimary('retried', paused, 40),
        bodyChars: 64,
      },
      {
        requestTimeoutMs: 1000,
        // Over 30 s of attempts, and the pause ends within 20 s: retries succeed.
        retry: { maxAttempts: 30, baseDelayMs: 50, maxDelayMs: 500 },
        maxErrors: 0,
      },
    );
    await progressUntil(handle, '500 rows written', (s) => s.written >= 500);
    process.kill(pidOf(PAUSED), 'SIGSTOP');
    let whilePaused: WriterStats;
    try {
      whilePaused = await progressUntil(
        handle,
        `retried failures on ${paused}`,
        (s) => s.retries >= 1 && errorsOn(s, paused) >= 1,
        20_000,
      );
    } finally {
      process.kill(pidOf(PAUSED), 'SIGCONT');
    }
    // Retried, and not one of them a bad row: maxErrors 0 did not stop the job.
    expect(whilePaused.bad).toBe(0);
    const { sinks, metrics } = await handle.result;
    const result = Object.values(sinks).find((s) => s.operatorId.startsWith('cassandra'))!
      .instances[0] as CassandraWriteResult;
    const stats = sinkStats(metrics)!;

    expect(result).toMatchObject({
      received: count,
      written: count,
      bad: 0,
      badCauses: { conversion: 0, rejected: 0, retriesExhausted: 0 },
      isComplete: true,
    });
    expect(errorsOn(stats, paused)).toBeGreaterThanOrEqual(1);
    expect(result.retries).toBeGreaterThanOrEqual(whilePaused.retries);
    // Every failure was retried: each failed request was sent again.
    const failures = Object.keys(stats.hosts).reduce((n, h) => n + errorsOn(stats, h), 0);
    expect(result.retries).toBe(failures);
    expect((await seqsIn('retried')).size).toBe(count);

    // What a load's report makes of these stats: the retries counted apart, no bad row.
    const totals = sinkTotals(metrics, sinkIdOf(metrics), join(dir, 'retried.jsonl'));
    expect(totals).toMatchObject({ written: count, bad: 0, retries: result.retries });
    const summary = formatSummary({
      ...({} as LoadReport),
      status: 'ok',
      keyspace,
      table: 'retried',
      rowsRead: count,
      written: totals.written,
      bad: totals.bad,
      badByKind: { connector: 0, mapping: 0, load: 0 },
      notWritten: { rejected: 0, afterRetries: totals.badCauses.retriesExhausted },
      retries: totals.retries,
      badFiles: [],
      durationMs: 1,
      workers: 2,
      rowsPerSecond: 0,
      logDirectory: dir,
    });
    expect(summary).toContain(
      `retried: ${result.retries.toLocaleString('en-US')} transient write failures`,
    );
    expect(summary).toContain(`${count.toLocaleString('en-US')} rows written, 0 bad`);
  });

  it('makes a row bad, with its cause, only once its retries run out', async () => {
    const paused = nativeAddress(PAUSED);
    const count = 2000;
    const badFile = join(dir, 'exhausted.jsonl');
    const handle = runJob(
      'exhausted',
      {
        count,
        ratePerSecond: 1000,
        ids: await idsWithPrimary('exhausted', paused, 40),
        bodyChars: 64,
      },
      // One attempt: no retry at all, so a request the paused node times out is final.
      { requestTimeoutMs: 1000, retry: { maxAttempts: 1 }, maxErrors: '100%', badFile },
    );
    await progressUntil(handle, '300 rows written', (s) => s.written >= 300);
    process.kill(pidOf(PAUSED), 'SIGSTOP');
    try {
      await progressUntil(
        handle,
        `rows whose only attempt on ${paused} failed`,
        (s) => s.badCauses.retriesExhausted >= 1,
        20_000,
      );
    } finally {
      process.kill(pidOf(PAUSED), 'SIGCONT');
    }
    const { sinks } = await handle.result;
    const result = Object.values(sinks).find((s) => s.operatorId.startsWith('cassandra'))!
      .instances[0] as CassandraWriteResult;

    expect(result.isComplete).toBe(true);
    expect(result.written + result.bad).toBe(count);
    expect(result.bad).toBeGreaterThanOrEqual(1);
    expect(result.badCauses).toEqual({ conversion: 0, rejected: 0, retriesExhausted: result.bad });
    expect(result.retries).toBe(0);
    const lines = (await readFile(badFile, 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { attempts: number; record: { seq: number } });
    expect(lines).toHaveLength(result.bad);
    for (const line of lines) expect(line.attempts).toBe(1);
    // Every row written is there (a timed-out write may have landed too, once the node woke).
    const seqs = await seqsIn('exhausted');
    expect(seqs.size).toBeGreaterThanOrEqual(result.written);
  });
});
