import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CassandraOptions,
  cassandra as cassandraSink,
} from '../../../connectors/cassandra/index.ts';
import { Ring, ringSpecFromClient } from '../../../connectors/cassandra/ring.ts';
import { loadReplicaRouting, ReplicaRouter } from '../../../connectors/cassandra/routing.ts';
import { RowMapper, readTableSchema } from '../../../connectors/cassandra/schema.ts';
import type {
  CassandraWriteResult,
  CassandraWriter,
} from '../../../connectors/cassandra/writer.ts';
import { ConnectorError } from '../../../runtime/errors.ts';
import { createKeyspace, target, testClient, tsWorker, uniqueName } from './cluster.ts';
import { prng } from './token-cases.ts';

const SEED = Number(process.env.SLUICE_TEST_SEED ?? 2026);

/** A row as typed values, and the same row as a CSV would carry it (strings). */
interface Row {
  id: number;
  bucket: string;
  seq: number;
  ts: Date;
  amount: number;
  flag: boolean;
  tag: string;
  payload: Buffer;
  big: bigint;
}

function makeRows(count: number, partitions: number, seed: number): Row[] {
  const random = prng(seed);
  const hex = (n: number) =>
    Array.from({ length: n }, () =>
      Math.floor(random() * 256)
        .toString(16)
        .padStart(2, '0'),
    ).join('');
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const p = Math.floor(random() * partitions);
    const u = hex(16);
    rows.push({
      id: p,
      bucket: `b${p % 7}-é`,
      seq: i,
      ts: new Date(Math.floor(1.7e12 + random() * 1e10)),
      amount: Math.round((random() - 0.5) * 1e8) / 100,
      flag: random() < 0.5,
      tag: `${u.slice(0, 8)}-${u.slice(8, 12)}-4${u.slice(13, 16)}-a${u.slice(17, 20)}-${u.slice(20, 32)}`,
      payload: Buffer.from(hex(1 + Math.floor(random() * 64)), 'hex'),
      big: BigInt.asIntN(64, BigInt(`0x${hex(8)}`)),
    });
  }
  return rows;
}

function asCsv(row: Row): Record<string, string> {
  return {
    id: String(row.id),
    bucket: row.bucket,
    seq: String(row.seq),
    ts: row.ts.toISOString(),
    amount: String(row.amount),
    flag: String(row.flag),
    tag: row.tag,
    payload: `0x${row.payload.toString('hex')}`,
    big: String(row.big),
  };
}

/** One comparable string per row, from typed values or from what Cassandra returns. */
function fingerprint(r: Record<string, unknown>): string {
  return JSON.stringify([
    Number(r.id),
    r.bucket,
    Number(r.seq),
    (r.ts as Date).getTime(),
    Number(r.amount),
    r.flag,
    String(r.tag),
    (r.payload as Buffer).toString('hex'),
    String(r.big),
  ]);
}

const TABLE_CQL = `(id int, bucket text, seq int, ts timestamp, amount double, flag boolean,
  tag uuid, payload blob, big bigint, PRIMARY KEY ((id, bucket), seq))`;

let client: cassandra.Client;
let dir: string;
const keyspaces = { 1: uniqueName('sluice_sink_rf1'), 3: uniqueName('sluice_sink_rf3') };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-sink-'));
  client = testClient();
  await client.connect();
  for (const [rf, ks] of Object.entries(keyspaces)) {
    await createKeyspace(client, ks, Number(rf));
    await client.execute(`CREATE TABLE ${ks}.events ${TABLE_CQL}`);
  }
});

afterAll(async () => {
  for (const ks of Object.values(keyspaces)) await client?.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await client?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

let instanceCount = 0;
async function openWriter(options: Partial<CassandraOptions>, parallelism = 1, instance = 0) {
  const { contactPoints, localDataCenter, credentials } = target();
  const sink = cassandraSink({
    contactPoints,
    localDataCenter,
    ...credentials,
    table: 'events',
    badFile: join(dir, `bad-${instanceCount++}.jsonl`),
    ...options,
  } as CassandraOptions);
  const ctx = { operatorId: 'sink#9', instance, parallelism, signal: new AbortController().signal };
  return (await sink.createWriter(ctx)) as CassandraWriter;
}

async function readBack(keyspace: string): Promise<string[]> {
  const rows: string[] = [];
  // All replicas answer (consistency ALL on the test client), so a missed replica write shows.
  const result = await client.execute(`SELECT * FROM ${keyspace}.events`, [], {
    prepare: true,
    fetchSize: 1000,
  });
  for await (const row of result) {
    rows.push(fingerprint(row as unknown as Record<string, unknown>));
  }
  return rows.sort();
}

interface WriterStats {
  written: number;
  routing: { replica: number; nonReplica: number };
  hosts: Record<string, { requests: number; rows: number; latency: { count: number } }>;
}

describe.each([1, 3] as const)('cassandra sink at RF %i', (rf) => {
  const keyspace = () => keyspaces[rf];

  it('writes every row, each request coordinated by a replica of its partition', async () => {
    await client.execute(`TRUNCATE ${keyspace()}.events`);
    const rows = makeRows(3000, 150, SEED + rf);
    const writer = await openWriter({
      keyspace: keyspace(),
      consistency: rf === 3 ? 'QUORUM' : 'ONE',
    });
    try {
      for (const row of rows) await writer.write(asCsv(row));
      await writer.flush(true);
      expect(writer.result()).toMatchObject({
        received: 3000,
        written: 3000,
        bad: 0,
        isComplete: true,
      });
      const stats = writer.stats() as unknown as WriterStats;
      const hostStats = Object.values(stats.hosts);
      const requests = hostStats.reduce((n, h) => n + h.requests, 0);
      expect(stats.routing).toEqual({ replica: requests, nonReplica: 0, foreignRows: 0 });
      expect(hostStats.reduce((n, h) => n + h.rows, 0)).toBe(3000);
      // 150 partitions of ~20 rows: batching must have grouped rows.
      expect(requests).toBeLessThan(3000 / 2);
      expect(hostStats.filter((h) => h.requests > 0)).toHaveLength(3);
      expect(hostStats.every((h) => h.latency.count === h.requests)).toBe(true);
    } finally {
      await writer.close();
    }
    expect(await readBack(keyspace())).toEqual(
      rows.map((r) => fingerprint(r as unknown as Record<string, unknown>)).sort(),
    );
  });

  it('sends rows with wrong types to the bad file and loses nothing else', async () => {
    await client.execute(`TRUNCATE ${keyspace()}.events`);
    const rows = makeRows(600, 40, SEED + 10 * rf);
    const records: Array<Record<string, string>> = rows.map(asCsv);
    const broken = new Map<number, string>([
      [5, 'amount'],
      [77, 'ts'],
      [300, 'tag'],
      [451, 'id'],
      [599, 'big'],
    ]);
    for (const [i, column] of broken) records[i]![column] = 'not-a-value';
    const writer = await openWriter({ keyspace: keyspace(), maxErrors: 10 });
    try {
      for (const r of records) await writer.write(r);
      await writer.flush(true);
      const result = writer.result();
      expect(result).toMatchObject({ received: 600, written: 595, bad: 5, isComplete: true });
      const lines = (await readFile(result.badFile!, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => Number(l.record.seq)).sort((a, b) => a - b)).toEqual([
        ...broken.keys(),
      ]);
      for (const line of lines) {
        const column = broken.get(Number(line.record.seq))!;
        expect(line.error.message).toContain(`column "${column}"`);
        expect(line.error.message).toContain("'not-a-value'");
      }
    } finally {
      await writer.close();
    }
    const good = rows.filter((_, i) => !broken.has(i));
    expect(await readBack(keyspace())).toEqual(
      good.map((r) => fingerprint(r as unknown as Record<string, unknown>)).sort(),
    );
  });

  it('splits the work by replica: three instances, each fed the rows the replica partitioning gives it', async () => {
    await client.execute(`TRUNCATE ${keyspace()}.events`);
    const rows = makeRows(1500, 300, SEED + 100 * rf);
    const writers = await Promise.all(
      [0, 1, 2].map((i) => openWriter({ keyspace: keyspace() }, 3, i)),
    );
    try {
      // Every writer builds the same ring from the same metadata: route with an equal one.
      const ring = new Ring(ringSpecFromClient(client, keyspace()));
      const mapper = new RowMapper(await readTableSchema(client, keyspace(), 'events'));
      await Promise.all(
        writers.map(async (writer, i) => {
          for (const row of rows) {
            const csv = asCsv(row);
            if (ring.instanceFor(mapper.bind(csv).token, 3) === i) await writer.write(csv);
          }
          await writer.flush(true);
        }),
      );
      const results = writers.map((w) => w.result());
      expect(results.reduce((n, r) => n + r.written, 0)).toBe(1500);
      for (const [i, writer] of writers.entries()) {
        const stats = writer.stats() as unknown as WriterStats;
        expect(stats.routing.nonReplica).toBe(0);
        // With three hosts and three instances, instance i owns host i's primary ranges.
        const primary = ring.hosts[i]!.address;
        expect(stats.hosts[primary]!.rows).toBeGreaterThan(0);
        if (rf === 1) {
          for (const [address, h] of Object.entries(stats.hosts)) {
            if (address !== primary) expect(h.requests).toBe(0);
          }
        }
      }
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
    expect(await readBack(keyspace())).toHaveLength(1500);
  });
});

describe('cassandra sink on worker threads', () => {
  it('three instances on three workers write every row once, each to its replicas', async () => {
    const keyspace = keyspaces[3];
    await client.execute(`TRUNCATE ${keyspace}.events`);
    const rows = makeRows(2000, 400, SEED + 7);
    const { contactPoints, localDataCenter, credentials } = target();
    const options = { contactPoints, localDataCenter, ...credentials, keyspace, table: 'events' };
    // As the runtime will: load the routing spec once, clone it to the producer's thread.
    const spec = structuredClone(await loadReplicaRouting(cassandraSink(options).config));
    const router = new ReplicaRouter(spec);
    const shares: Array<Array<Record<string, string>>> = [[], [], []];
    for (const row of rows) {
      const csv = asCsv(row);
      shares[router.instanceFor(csv, 3)]!.push(csv);
    }
    expect(shares.every((share) => share.length > 0)).toBe(true);
    const outcomes = await Promise.all(
      shares.map(async (records, instance) => {
        const worker = tsWorker(new URL('./fixtures/sink-worker.ts', import.meta.url), {
          workerData: {
            options: { ...options, badFile: join(dir, 'bad-workers.jsonl') },
            instance,
            parallelism: 3,
            records,
          },
        });
        const exited = once(worker, 'exit');
        const [message] = (await Promise.race([
          once(worker, 'message'),
          once(worker, 'error').then(([e]) => Promise.reject(e)),
        ])) as [{ result: CassandraWriteResult; stats: WriterStats }];
        await exited;
        return message;
      }),
    );
    for (const [instance, { result, stats }] of outcomes.entries()) {
      expect(result).toMatchObject({
        instance,
        received: shares[instance]!.length,
        bad: 0,
        isComplete: true,
      });
      expect(stats.routing.nonReplica).toBe(0);
    }
    expect(outcomes.reduce((n, o) => n + o.result.written, 0)).toBe(2000);
    expect(await readBack(keyspace)).toEqual(
      rows.map((r) => fingerprint(r as unknown as Record<string, unknown>)).sort(),
    );
  });
});

describe('cassandra sink setup errors', () => {
  it('names a missing keyspace', async () => {
    const error = await openWriter({ keyspace: 'sluice_no_such_ks' }).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toMatch(/keyspace "sluice_no_such_ks" does not exist/);
  });

  it('names a missing table', async () => {
    const error = await openWriter({ keyspace: keyspaces[1], table: 'nope' }).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toContain(`table "${keyspaces[1]}.nope" does not exist`);
  });

  it('names an unreachable host, and never the password', async () => {
    const error = await openWriter({
      keyspace: keyspaces[1],
      contactPoints: ['127.0.0.9:9042'],
      username: 'loader',
      password: 'hunter2-secret',
      connectTimeoutMs: 2000,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toContain('cannot connect to Cassandra at 127.0.0.9:9042');
    expect(
      JSON.stringify({ message: error.message, details: error.details, stack: error.stack }),
    ).not.toContain('hunter2-secret');
  });
});

describe('cassandra sink with password auth', () => {
  const auth = () => inject('cassandraAuth');
  const keyspace = uniqueName('sluice_sink_auth');
  let admin: cassandra.Client;

  beforeAll(async () => {
    const { contactPoints, localDataCenter, credentials } = auth();
    admin = new cassandra.Client({ contactPoints, localDataCenter, credentials });
    await admin.connect();
    await createKeyspace(admin, keyspace, 1);
    await admin.execute(`CREATE TABLE ${keyspace}.events ${TABLE_CQL}`);
  });

  afterAll(async () => {
    await admin?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await admin?.shutdown();
  });

  function authSink(password: string) {
    const { contactPoints, localDataCenter, credentials } = auth();
    return cassandraSink({
      contactPoints,
      localDataCenter,
      keyspace,
      table: 'events',
      username: credentials!.username,
      password,
      badFile: join(dir, 'bad-auth.jsonl'),
    });
  }
  const ctx = {
    operatorId: 'sink#9',
    instance: 0,
    parallelism: 1,
    signal: new AbortController().signal,
  };

  it('writes with the right credentials', async () => {
    const writer = await authSink(auth().credentials!.password).createWriter(ctx);
    try {
      const rows = makeRows(50, 5, SEED);
      for (const row of rows) await writer.write(asCsv(row));
      await writer.flush(true);
      expect(writer.result()).toMatchObject({ written: 50, bad: 0 });
    } finally {
      await writer.close();
    }
    const count = await admin.execute(`SELECT count(*) FROM ${keyspace}.events`);
    expect(Number(count.first().get(0))).toBe(50);
  });

  it('fails clearly with wrong credentials, never showing the password', async () => {
    const error = await authSink('wrong-pass-s3cret')
      .createWriter(ctx)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toContain(`cannot connect to Cassandra at ${auth().contactPoints[0]}`);
    expect(error.message).toMatch(/credentials|authentication|Authentication/i);
    expect(
      JSON.stringify({ message: error.message, details: error.details, stack: error.stack }),
    ).not.toContain('wrong-pass-s3cret');
  });
});
