import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRecordsFile } from '../../../connectors/cassandra/bad-records.ts';
import type { FailureKind, WriteExecutor } from '../../../connectors/cassandra/client.ts';
import { type CassandraOptions, resolveConfig } from '../../../connectors/cassandra/config.ts';
import { Ring } from '../../../connectors/cassandra/ring.ts';
import {
  type BoundRow,
  RowMapper,
  type TableSchema,
} from '../../../connectors/cassandra/schema.ts';
import { CassandraWriter } from '../../../connectors/cassandra/writer.ts';
import { ConnectorError } from '../../../runtime/errors.ts';

const schema: TableSchema = {
  keyspace: 'ks',
  table: 't',
  columns: [
    { name: 'id', type: 'int', typeName: 'int' },
    { name: 'seq', type: 'int', typeName: 'int' },
    { name: 'v', type: 'text', typeName: 'text' },
  ],
  partitionKey: ['id'],
  clustering: ['seq'],
};
const hosts = ['127.0.0.1:9042', '127.0.0.2:9042', '127.0.0.3:9042'];
const ring = new Ring({
  hosts: [
    { address: hosts[0]!, datacenter: 'dc1', rack: 'r1', tokens: [String(-(2n ** 63n))] },
    { address: hosts[1]!, datacenter: 'dc1', rack: 'r1', tokens: ['-3074457345618258603'] },
    { address: hosts[2]!, datacenter: 'dc1', rack: 'r1', tokens: ['3074457345618258602'] },
  ],
  replication: { strategy: 'simple', replicationFactor: 2 },
});

interface Sent {
  host: string;
  rows: readonly BoundRow[];
  settle: (error?: Error) => void;
}

/**
 * A cluster that answers as each test decides. It is kept for what a real node cannot produce
 * on demand: a given failure kind on a given attempt of a given row, requests held pending while
 * the test inspects windows and backpressure, a response that arrives after close, and
 * hundreds of seeded property runs in milliseconds. Real faults (a paused node, nodes stopped
 * and restarted, batches over the server's size limit) are in faults.cassandra.test.ts.
 */
class FakeCluster implements WriteExecutor {
  readonly sent: Sent[] = [];
  readonly down = new Set<string>();
  inFlight = new Map<string, number>();
  maxInFlight = new Map<string, number>();
  /** Decides each request's fate; `undefined` leaves it pending until the test settles it. */
  constructor(readonly decide: (sent: Sent, n: number) => FailureKind | 'ok' | undefined) {}

  send(host: string, rows: readonly BoundRow[]): Promise<string> {
    const count = (this.inFlight.get(host) ?? 0) + 1;
    this.inFlight.set(host, count);
    this.maxInFlight.set(host, Math.max(count, this.maxInFlight.get(host) ?? 0));
    return new Promise((resolve, reject) => {
      const sent: Sent = {
        host,
        rows,
        settle: (error) => {
          this.inFlight.set(host, this.inFlight.get(host)! - 1);
          if (error) reject(error);
          else resolve(host);
        },
      };
      this.sent.push(sent);
      const fate = this.decide(sent, this.sent.length);
      if (fate === undefined) return;
      setImmediate(() =>
        sent.settle(fate === 'ok' ? undefined : Object.assign(new Error(fate), { kind: fate })),
      );
    });
  }

  isUp(host: string): boolean {
    return !this.down.has(host);
  }

  classify(error: unknown): FailureKind {
    return (error as { kind: FailureKind }).kind ?? 'rejected';
  }

  rowsWritten(): unknown[] {
    return this.sent.flatMap((s) => s.rows.map((r) => r.record));
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
function makeWriter(cluster: WriteExecutor, options: Partial<CassandraOptions> = {}) {
  const config = resolveConfig({
    contactPoints: hosts,
    keyspace: 'ks',
    table: 't',
    retry: { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 3 },
    ...options,
  });
  const badRecords = new BadRecordsFile(join(dir, `bad-${fileCount++}.jsonl`));
  const controller = new AbortController();
  const writer = new CassandraWriter({
    config,
    ctx: { operatorId: 'sink#1', instance: 0, parallelism: 1, signal: controller.signal },
    mapper: new RowMapper(schema, config),
    ring,
    executor: cluster,
    badRecords,
  });
  return { writer, badRecords, controller };
}

async function writeAll(writer: CassandraWriter, records: unknown[]): Promise<void> {
  for (const r of records) await writer.write(r);
  await writer.flush(true);
}

interface BadLine {
  record: Record<string, unknown>;
  error: { code: string; message: string };
  attempts: number;
}

async function badLines(file: BadRecordsFile): Promise<BadLine[]> {
  const text = await readFile(file.path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('cassandra writer', () => {
  it('writes every record exactly once, in single-partition batches within the limits, to a replica (seeded property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ id: fc.integer({ min: 0, max: 12 }), v: fc.string({ maxLength: 300 }) }),
          {
            maxLength: 400,
          },
        ),
        fc.integer({ min: 1, max: 40 }),
        async (rows, maxRows) => {
          const cluster = new FakeCluster(() => 'ok');
          const { writer } = makeWriter(cluster, {
            batch: { maxRows, maxBytes: 2048, lingerMs: 1, groupBy: 'partition' },
          });
          const records = rows.map((r, seq) => ({ ...r, seq }));
          await writeAll(writer, records);
          expect(new Set(cluster.rowsWritten())).toEqual(new Set(records));
          expect(cluster.rowsWritten()).toHaveLength(records.length);
          for (const s of cluster.sent) {
            expect(s.rows.length).toBeLessThanOrEqual(maxRows);
            expect(new Set(s.rows.map((r) => r.key.toString('hex'))).size).toBe(1);
            if (s.rows.length > 1)
              expect(s.rows.reduce((n, r) => n + r.bytes, 0)).toBeLessThanOrEqual(2048);
            const replicas = ring.replicasOf(s.rows[0]!.token).map((i) => ring.hosts[i]!.address);
            expect(replicas).toContain(s.host);
          }
          expect(writer.result()).toMatchObject({
            received: records.length,
            written: records.length,
            bad: 0,
            isComplete: true,
          });
          const stats = writer.stats();
          expect(stats).toMatchObject({
            routing: { replica: cluster.sent.length, nonReplica: 0 },
          });
          // Every request's latency, from every host, in the one histogram a report sums.
          const latencies = hdr.decodeFromCompressedBase64(stats.latencyHdr as string);
          expect(latencies.totalCount).toBe(cluster.sent.length);
        },
      ),
      { seed: 31, numRuns: 60 },
    );
  });

  it('groups rows of different partitions by replica set: each once, every batch within the limits and sent to a replica of all its rows (seeded property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ id: fc.integer({ min: 0, max: 500 }), v: fc.string({ maxLength: 200 }) }),
          { maxLength: 400 },
        ),
        fc.integer({ min: 1, max: 40 }),
        async (rows, maxRows) => {
          const cluster = new FakeCluster(() => 'ok');
          const { writer } = makeWriter(cluster, {
            batch: { maxRows, maxBytes: 2048, lingerMs: 1, groupBy: 'replicaSet' },
          });
          const records = rows.map((r, seq) => ({ ...r, seq }));
          await writeAll(writer, records);
          expect(cluster.rowsWritten()).toHaveLength(records.length);
          expect(new Set(cluster.rowsWritten())).toEqual(new Set(records));
          for (const s of cluster.sent) {
            expect(s.rows.length).toBeLessThanOrEqual(maxRows);
            if (s.rows.length > 1)
              expect(s.rows.reduce((n, r) => n + r.bytes, 0)).toBeLessThanOrEqual(2048);
            const sets = new Set(s.rows.map((r) => ring.replicaSetOf(r.token)));
            expect(sets.size).toBe(1);
            for (const r of s.rows) {
              const replicas = ring.replicasOf(r.token).map((i) => ring.hosts[i]!.address);
              expect(replicas).toContain(s.host);
            }
            // Rows keep the order they were written in.
            const seqs = s.rows.map((r) => (r.record as { seq: number }).seq);
            expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          }
          expect(writer.result()).toMatchObject({ written: records.length, isComplete: true });
        },
      ),
      { seed: 47, numRuns: 60 },
    );
  });

  it('puts rows of many partitions in one request when they share a replica set, and not by partition', async () => {
    const records = Array.from({ length: 300 }, (_, seq) => ({ id: seq, seq, v: 'x' }));
    const bySet = new FakeCluster(() => 'ok');
    await writeAll(
      makeWriter(bySet, { batch: { maxRows: 100, maxBytes: 1 << 20, lingerMs: 1000 } }).writer,
      records,
    );
    // Three ranges, each with its own replica set: three requests of about 100 partitions.
    expect(bySet.sent.length).toBeLessThanOrEqual(6);
    expect(Math.max(...bySet.sent.map((s) => s.rows.length))).toBeGreaterThan(50);
    const byPartition = new FakeCluster(() => 'ok');
    await writeAll(
      makeWriter(byPartition, {
        batch: { maxRows: 100, maxBytes: 1 << 20, lingerMs: 1000, groupBy: 'partition' },
      }).writer,
      records,
    );
    expect(byPartition.sent).toHaveLength(300);
  });

  it('keeps rows of one partition in order inside a batch', async () => {
    const cluster = new FakeCluster(() => 'ok');
    const { writer } = makeWriter(cluster, {
      batch: { maxRows: 100, maxBytes: 1 << 20, lingerMs: 1000 },
    });
    await writeAll(
      writer,
      Array.from({ length: 50 }, (_, seq) => ({ id: 1, seq, v: 'x' })),
    );
    expect(cluster.sent).toHaveLength(1);
    expect(cluster.sent[0]!.rows.map((r) => (r.record as { seq: number }).seq)).toEqual([
      ...Array(50).keys(),
    ]);
  });

  it('applies backpressure when every window is full, and never exceeds a window', async () => {
    const cluster = new FakeCluster(() => undefined);
    const { writer } = makeWriter(cluster, {
      batch: { maxRows: 1, lingerMs: 0 },
      window: { initial: 4, min: 1, max: 4 },
    });
    let accepted = 0;
    let blocked: Promise<void> | undefined;
    for (let seq = 0; seq < 1000 && blocked === undefined; seq++) {
      blocked = writer.write({ id: seq % 7, seq, v: 'x' });
      accepted++;
    }
    expect(blocked).toBeInstanceOf(Promise);
    // Three hosts × a window of 4 in flight, and as many waiting before write pushes back.
    expect(cluster.sent).toHaveLength(12);
    expect(accepted).toBe(24);
    let released = false;
    blocked!.then(() => {
      released = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false);
    while (cluster.sent.some((s) => s.settle !== undefined) && !released) {
      const pending = cluster.sent.splice(0, cluster.sent.length);
      for (const s of pending) s.settle();
      await new Promise((r) => setImmediate(r));
    }
    await blocked;
    for (const max of cluster.maxInFlight.values()) expect(max).toBeLessThanOrEqual(4);
    const flushed = writer.flush(true);
    for (let i = 0; i < 20 && writer.stats().written !== accepted; i++) {
      for (const s of cluster.sent.splice(0, cluster.sent.length)) s.settle();
      await new Promise((r) => setImmediate(r));
    }
    await flushed;
    expect(writer.result()).toMatchObject({ received: 24, written: 24, isComplete: true });
  });

  it('retries timeouts and Overloaded errors, then writes', async () => {
    const attempts = new Map<unknown, number>();
    const cluster = new FakeCluster((s) => {
      const record = s.rows[0]!.record;
      const n = (attempts.get(record) ?? 0) + 1;
      attempts.set(record, n);
      return n === 1 ? 'timeout' : n === 2 ? 'overloaded' : 'ok';
    });
    const { writer } = makeWriter(cluster, { batch: { maxRows: 1, lingerMs: 0 } });
    const records = Array.from({ length: 30 }, (_, seq) => ({ id: seq, seq, v: 'x' }));
    await writeAll(writer, records);
    expect(writer.result()).toMatchObject({ written: 30, bad: 0, isComplete: true });
    const stats = writer.stats() as {
      retries: number;
      hosts: Record<string, { errors: Record<string, number> }>;
    };
    expect(stats.retries).toBe(60);
    const errors = Object.values(stats.hosts).map((h) => h.errors);
    expect(errors.reduce((n, e) => n + (e.timeout ?? 0), 0)).toBe(30);
    expect(errors.reduce((n, e) => n + (e.overloaded ?? 0), 0)).toBe(30);
  });

  it('sends to another replica when the primary is down', async () => {
    const cluster = new FakeCluster(() => 'ok');
    cluster.down.add(hosts[0]!);
    const { writer } = makeWriter(cluster, { batch: { maxRows: 1, lingerMs: 0 } });
    await writeAll(
      writer,
      Array.from({ length: 60 }, (_, seq) => ({ id: seq, seq, v: 'x' })),
    );
    expect(cluster.sent.some((s) => s.host === hosts[0])).toBe(false);
    expect(writer.stats()).toMatchObject({ written: 60, routing: { nonReplica: 0 } });
  });

  it('puts a row whose retries are exhausted in the bad file, with its attempts', async () => {
    const cluster = new FakeCluster((s) =>
      (s.rows[0]!.record as { id: number }).id === 3 ? 'unavailable' : 'ok',
    );
    const { writer, badRecords } = makeWriter(cluster, { batch: { maxRows: 1, lingerMs: 0 } });
    await writeAll(
      writer,
      Array.from({ length: 10 }, (_, seq) => ({ id: seq, seq, v: 'x' })),
    );
    expect(writer.result()).toMatchObject({
      received: 10,
      written: 9,
      bad: 1,
      isComplete: true,
      badFile: badRecords.path,
    });
    const lines = await badLines(badRecords);
    expect(lines).toEqual([
      {
        record: { id: 3, seq: 3, v: 'x' },
        error: { code: 'Error', message: 'unavailable' },
        attempts: 3,
      },
    ]);
  });

  it('splits a rejected batch so only the culprit is rejected', async () => {
    const cluster = new FakeCluster((s) =>
      s.rows.some((r) => (r.record as { v: string }).v === 'poison') ? 'rejected' : 'ok',
    );
    const { writer, badRecords } = makeWriter(cluster, { batch: { maxRows: 10, lingerMs: 1000 } });
    const records = Array.from({ length: 10 }, (_, seq) => ({
      id: 1,
      seq,
      v: seq === 4 ? 'poison' : 'ok',
    }));
    await writeAll(writer, records);
    expect(writer.result()).toMatchObject({ written: 9, bad: 1, isComplete: true });
    expect((await badLines(badRecords)).map((l) => l.record.seq)).toEqual([4]);
  });

  it('rejects records that do not convert, naming the column, and keeps the rest', async () => {
    const cluster = new FakeCluster(() => 'ok');
    const { writer, badRecords } = makeWriter(cluster);
    await writeAll(writer, [
      { id: '1', seq: '1', v: 'a' },
      { id: 'one', seq: 2, v: 'b' },
      { seq: 3, v: 'c' },
      { id: 4, seq: 4 },
      42,
    ]);
    expect(writer.result()).toMatchObject({ received: 5, written: 2, bad: 3, isComplete: true });
    const lines = await badLines(badRecords);
    expect(lines.map((l) => l.error.message)).toEqual([
      expect.stringMatching(/column "id" \(int\): cannot convert 'one'/),
      expect.stringMatching(/primary key column "id" \(int\) has no value: field "id" is missing/),
      expect.stringMatching(/a record must be an object, got 42/),
    ]);
    expect(lines.every((l) => l.attempts === 0 && l.error.code === 'ERR_CONNECTOR')).toBe(true);
  });

  it('fails past maxErrors, naming the limit and the bad file', async () => {
    const cluster = new FakeCluster(() => 'ok');
    const { writer, badRecords } = makeWriter(cluster, { maxErrors: 2 });
    await writer.write({ id: 'x', seq: 1 });
    await writer.write({ id: 'x', seq: 2 });
    const third = writer.write({ id: 'x', seq: 3 });
    await expect(third).rejects.toThrow(ConnectorError);
    await expect(third).rejects.toThrow(
      `3 bad records exceed maxErrors (2); see ${badRecords.path}`,
    );
    await expect(writer.flush(true)).rejects.toThrow(/exceed maxErrors/);
    await writer.close();
    expect(await badLines(badRecords)).toHaveLength(3);
  });

  it('judges a percentage maxErrors against the records received', async () => {
    const cluster = new FakeCluster(() => 'ok');
    const ok = makeWriter(cluster, { maxErrors: '10%' });
    const records = Array.from({ length: 100 }, (_, seq) => ({
      id: seq % 10 === 0 ? 'bad' : seq,
      seq,
    }));
    await writeAll(ok.writer, records);
    expect(ok.writer.result()).toMatchObject({ bad: 10, written: 90 });
    const over = makeWriter(cluster, { maxErrors: '9%' });
    for (const r of records) await over.writer.write(r);
    await expect(over.writer.flush(true)).rejects.toThrow(
      /10 bad records of 100 exceed maxErrors \(9%\)/,
    );
  });

  it('stops on cancel', async () => {
    const cluster = new FakeCluster(() => 'ok');
    const { writer, controller } = makeWriter(cluster);
    controller.abort();
    await expect(writer.write({ id: 1, seq: 1 })).rejects.toThrow(/cancelled/);
  });

  it('ignores responses that arrive after close, and opens no file for them', async () => {
    const cluster = new FakeCluster(() => undefined);
    const { writer, badRecords } = makeWriter(cluster, { batch: { maxRows: 1, lingerMs: 0 } });
    for (let seq = 0; seq < 5; seq++) await writer.write({ id: seq, seq, v: 'x' });
    expect(cluster.sent).toHaveLength(5);
    await writer.close();
    for (const s of cluster.sent) s.settle(Object.assign(new Error('late'), { kind: 'rejected' }));
    await new Promise((r) => setImmediate(r));
    expect(badRecords.count).toBe(0);
    await expect(readFile(badRecords.path)).rejects.toThrow(/ENOENT/);
  });

  it('writes bigint and bytes readably in the bad file', async () => {
    const cluster = new FakeCluster(() => 'ok');
    const { writer, badRecords } = makeWriter(cluster);
    await writeAll(writer, [{ id: 12n ** 20n, seq: 1, v: Buffer.from([0xca, 0xfe]) }]);
    const [line] = await badLines(badRecords);
    expect(line!.record).toEqual({ id: String(12n ** 20n), seq: 1, v: '0xcafe' });
  });
});
