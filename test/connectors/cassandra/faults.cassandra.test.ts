/**
 * The Cassandra sink against real faults, on a 3-node cluster of this file's own on 127.0.0.11-13
 * (private-cluster.ts; the suite's shared cluster is never touched): a node paused with SIGSTOP
 * while a job writes, two of three replicas stopped and then restarted, and batches over the
 * server's batch_size_fail_threshold. Each case runs a real job and checks the sink's accounting
 * (written + bad = received) against the rows read back. writer.test.ts keeps, with a fake
 * cluster, the cases a real node cannot produce on demand.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CassandraOptions } from '../../../connectors/cassandra/index.ts';
import { stopNode } from '../../../connectors/cassandra/local/processes.ts';
import { Ring, ringSpecFromClient } from '../../../connectors/cassandra/ring.ts';
import { RowMapper, readTableSchema } from '../../../connectors/cassandra/schema.ts';
import type { CassandraWriteResult } from '../../../connectors/cassandra/writer.ts';
import { type JobHandle, type JobStats, run } from '../../../index.ts';
import { type FaultJobParams, OVERSIZED_KEY_CHARS } from '../../fixtures/jobs/cassandra-faults.ts';
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
const { consistencies, responseErrorCodes } = cassandra.types;
/** Cassandra's limit on one component of a key (an unsigned short length). */
const MAX_KEY_BYTES = 65_535;
/** Rows of up to ~170 KB (an oversized key and a 100 KB body) must fit one channel segment. */
const SEGMENT_SIZE = 256 * 1024;
/** From the start of a restart until every node serves CQL and sees the others UP. */
const RESTART_TIMEOUT_MS = 100_000;

interface WriterStats {
  received: number;
  written: number;
  bad: number;
  retries: number;
  routing: { replica: number; nonReplica: number; foreignRows: number };
  hosts: Record<string, { requests: number; rows: number; errors: Record<string, number> }>;
}

interface BadLine {
  record: { seq: number; name: string };
  error: { code: string | number; message: string };
  attempts: number;
}

let own: PrivateCluster;
let client: cassandra.Client;
let dir: string;
const keyspace = uniqueName('sluice_faults');
const TABLES = ['paused', 'unavailable', 'recovered', 'batches'] as const;
type Table = (typeof TABLES)[number];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-faults-'));
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
  await client.execute(`CREATE TABLE ${keyspace}.probe (k int PRIMARY KEY)`);
});

// A case that fails midway must not leave its job writing into the next one.
const jobs: JobHandle[] = [];
afterEach(async () => {
  await Promise.all(jobs.splice(0).map((handle) => handle.cancel()));
});

afterAll(async () => {
  await client?.shutdown();
  await own?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** `host:port` of the node the driver and the sink's stats know as node `number`. */
function nativeAddress(number: number): string {
  const node = own.layout.nodes.find((n) => n.number === number)!;
  return `${node.address}:${node.nativePort}`;
}

function pidOf(number: number): number {
  return own.cluster.pids[own.layout.nodes.findIndex((n) => n.number === number)]!;
}

function runJob(
  table: Table,
  params: Omit<FaultJobParams, 'sink'> & { sink: Partial<CassandraOptions> },
): JobHandle {
  const sink: CassandraOptions = {
    contactPoints: own.cluster.contactPoints,
    localDataCenter: own.cluster.localDataCenter,
    keyspace,
    table,
    consistency: 'QUORUM',
    badFile: join(dir, `${table}.jsonl`),
    ...params.sink,
  };
  const handle = run(job, {
    params: { ...params, sink },
    workers: 2,
    progressIntervalMs: 100,
    segmentSize: SEGMENT_SIZE,
  });
  jobs.push(handle);
  return handle;
}

async function finished(
  handle: JobHandle,
): Promise<{ result: CassandraWriteResult; stats: WriterStats }> {
  const { sinks, metrics } = await handle.result;
  const sink = Object.values(sinks).find((s) => s.operatorId.startsWith('cassandra'))!;
  return { result: sink.instances[0] as CassandraWriteResult, stats: sinkStats(metrics)! };
}

/** Polls a condition of the cluster, which announces nothing to us, until it holds (bounded). */
async function until(what: string, isMet: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await isMet())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function errorCount(stats: WriterStats, kind?: string, host?: string): number {
  let sum = 0;
  for (const [address, h] of Object.entries(stats.hosts)) {
    if (host !== undefined && address !== host) continue;
    for (const [k, n] of Object.entries(h.errors)) if (kind === undefined || k === kind) sum += n;
  }
  return sum;
}

function rowsVia(stats: WriterStats, hosts: string[]): number {
  return hosts.reduce((n, host) => n + (stats.hosts[host]?.rows ?? 0), 0);
}

/** The rows' indexes, read at QUORUM: every row a QUORUM write acknowledged is seen. */
async function seqsIn(table: Table, consistency = consistencies.quorum): Promise<number[]> {
  const seqs: number[] = [];
  const result = await client.execute(`SELECT seq FROM ${keyspace}.${table}`, [], {
    fetchSize: 5000,
    consistency,
  });
  for await (const row of result) seqs.push(row.seq as number);
  return seqs.sort((a, b) => a - b);
}

async function badLines(path: string): Promise<BadLine[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as BadLine);
}

const range = (count: number, from = 0) => Array.from({ length: count }, (_, i) => from + i);

/** Partition keys whose primary replica is `host`, by the ring the sink itself routes with. */
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

describe('a replica paused with SIGSTOP while a job writes at QUORUM (RF 3)', () => {
  it('times out on it, fails over to the other replicas, and writes every row', async () => {
    const paused = nativeAddress(13);
    const others = [nativeAddress(11), nativeAddress(12)];
    // Every row's primary replica is the paused node: rows written while it is paused went
    // to another replica, because the sink failed over.
    const ids = await idsWithPrimary('paused', paused, 40);
    const count = 5000;
    const handle = runJob('paused', {
      count,
      // Paced, so the job still has most of its rows to write when the node stops.
      ratePerSecond: 1000,
      ids,
      bodyChars: 64,
      sink: {
        requestTimeoutMs: 1000,
        // Over 30 s of attempts even for a request sent to the paused node each time, and the
        // pause ends within 20 s: the outcome is every row written, not a race with the budget.
        retry: { maxAttempts: 30, baseDelayMs: 50, maxDelayMs: 500 },
        maxErrors: 0,
      },
    });
    await progressUntil(handle, '500 rows written', (s) => s.written >= 500);
    const pid = pidOf(13);
    process.kill(pid, 'SIGSTOP');
    let atPause: WriterStats;
    let whilePaused: WriterStats;
    try {
      atPause = sinkStats(await handle.stats())!;
      whilePaused = await progressUntil(
        handle,
        `a failed request on ${paused} and 500 more rows written by the other replicas`,
        (s) =>
          errorCount(s, undefined, paused) >= 1 &&
          rowsVia(s, others) - rowsVia(atPause, others) >= 500,
        20_000,
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const { result, stats } = await finished(handle);

    expect(result).toMatchObject({ received: count, written: count, bad: 0, isComplete: true });
    expect(rowsVia(whilePaused, others) - rowsVia(atPause, others)).toBeGreaterThanOrEqual(500);
    // The requests stuck on the paused node ended as timeouts, and each failure was retried.
    expect(errorCount(stats, 'timeout', paused)).toBeGreaterThanOrEqual(1);
    expect(stats.retries).toBeGreaterThanOrEqual(1);
    expect(stats.retries).toBe(errorCount(stats));
    expect(stats.routing.nonReplica).toBe(0);
    expect(await seqsIn('paused')).toEqual(range(count));
  });
});

describe('two of three replicas stopped under writes at QUORUM (RF 3)', () => {
  const stopped = [12, 13];

  beforeAll(async () => {
    await own.ensureReady();
    await Promise.all(
      own.layout.nodes.filter((n) => stopped.includes(n.number)).map((n) => stopNode(n)),
    );
    // A node stopped with SIGTERM announces its shutdown in gossip; wait until the survivor
    // has heard it, i.e. refuses a QUORUM write as Unavailable.
    const survivor = client.hosts.get(nativeAddress(11));
    await until('node 11 refusing QUORUM writes as Unavailable', () =>
      client
        .execute(`INSERT INTO ${keyspace}.probe (k) VALUES (0)`, [], {
          host: survivor,
          retry: new cassandra.policies.retry.FallthroughRetryPolicy(),
        })
        .then(
          () => false,
          (error) =>
            error instanceof cassandra.errors.ResponseError &&
            error.code === responseErrorCodes.unavailableException,
        ),
    );
  });

  it('reports every row bad, with the Unavailable error, once its retries are spent', async () => {
    const count = 300;
    const { result, stats } = await finished(
      runJob('unavailable', {
        count,
        ids: range(100),
        bodyChars: 64,
        sink: { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 }, maxErrors: '100%' },
      }),
    );

    expect(result).toMatchObject({ received: count, written: 0, bad: count, isComplete: true });
    const lines = await badLines(result.badFile!);
    expect(lines.map((l) => l.record.seq).sort((a, b) => a - b)).toEqual(range(count));
    for (const line of lines) {
      expect(line.error).toEqual({
        code: responseErrorCodes.unavailableException,
        message:
          'Not enough replicas available for query at consistency QUORUM (2 required but only 1 alive)',
      });
      expect(line.attempts).toBe(3);
    }
    // The driver saw the stopped nodes down, so every attempt went to the survivor, which is a
    // replica of every row; each request was tried three times.
    const survivor = stats.hosts[nativeAddress(11)]!;
    expect(survivor.errors).toEqual({ unavailable: survivor.requests });
    for (const n of stopped) expect(stats.hosts[nativeAddress(n)]!.requests).toBe(0);
    expect(3 * stats.retries).toBe(2 * survivor.requests);
    expect(stats.routing.nonReplica).toBe(0);
    // An Unavailable write is refused before anything is applied: the survivor, a replica of
    // every row and the only node up, holds none of them.
    expect(await seqsIn('unavailable', consistencies.one)).toEqual([]);
  });

  it(
    'retries through the outage and writes every row once the nodes are restarted',
    async () => {
      const count = 300;
      const handle = runJob('recovered', {
        count,
        ids: range(100),
        bodyChars: 64,
        sink: {
          // At least ~119 s of backoff (half of each step is fixed): longer than a restart may
          // take before it fails on its own, so the outcome is every row written.
          retry: { maxAttempts: 100, baseDelayMs: 100, maxDelayMs: 2500 },
          maxErrors: 0,
        },
      });
      await progressUntil(handle, 'an Unavailable error', (s) => errorCount(s, 'unavailable') > 0);
      await own.ensureReady(RESTART_TIMEOUT_MS);
      const { result, stats } = await finished(handle);

      expect(result).toMatchObject({ received: count, written: count, bad: 0, isComplete: true });
      expect(errorCount(stats, 'unavailable')).toBeGreaterThanOrEqual(1);
      expect(stats.retries).toBe(errorCount(stats));
      expect(await seqsIn('recovered')).toEqual(range(count));
    },
    RESTART_TIMEOUT_MS + 60_000,
  );
});

describe('batches over batch_size_fail_threshold', () => {
  it('are split into single rows: only the rows Cassandra refuses alone are bad', async () => {
    await own.ensureReady();
    // 16 rows of 100 KB make 1.6 MB, over the 1 MiB batch_size_fail_threshold of the launcher's
    // cassandra.yaml (local/config.ts). The premise, checked on the server: such an unlogged
    // batch of different partitions is refused whole.
    const bodyChars = 100_000;
    const maxRows = 16;
    const insert = `INSERT INTO ${keyspace}.batches (id, name, seq, body) VALUES (?, ?, ?, ?)`;
    await expect(
      client.batch(
        range(maxRows, 10_000).map((id) => ({
          query: insert,
          params: [id, 'premise', -1, '.'.repeat(bodyChars)],
        })),
        { prepare: true, logged: false },
      ),
    ).rejects.toThrow('Batch too large');

    const count = 96;
    const culprits = [10, 50];
    const { result, stats } = await finished(
      runJob('batches', {
        count,
        // One partition per row: a batch of several partitions is what the threshold applies to.
        ids: range(count),
        bodyChars,
        oversizedKeys: culprits,
        sink: {
          batch: { maxRows, maxBytes: 8 * 1024 * 1024, lingerMs: 60_000 },
          maxErrors: culprits.length,
        },
      }),
    );

    expect(result).toMatchObject({
      received: count,
      written: count - culprits.length,
      bad: culprits.length,
      isComplete: true,
    });
    const lines = await badLines(result.badFile!);
    expect(lines.map((l) => l.record.seq).sort((a, b) => a - b)).toEqual(culprits);
    for (const line of lines) {
      expect(line.error).toEqual({
        code: responseErrorCodes.invalid,
        message: `Key length of ${OVERSIZED_KEY_CHARS} is longer than maximum of ${MAX_KEY_BYTES}`,
      });
    }
    // Each culprit was refused twice (in its batch, then alone); more refusals mean batches
    // without a culprit were refused too, for their size. Refusals are split, never retried.
    expect(errorCount(stats, 'rejected')).toBeGreaterThan(2 * culprits.length);
    expect(errorCount(stats)).toBe(errorCount(stats, 'rejected'));
    expect(stats.retries).toBe(0);
    const culpritSet = new Set(culprits);
    expect(await seqsIn('batches')).toEqual(range(count).filter((seq) => !culpritSet.has(seq)));
  });
});
