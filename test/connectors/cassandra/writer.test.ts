import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('cassandra writer: throttles', () => {
  it('keeps at most its share of maxConcurrentQueries in flight over all hosts, and writes everything', async () => {
    let inFlight = 0;
    let most = 0;
    const cluster = new FakeCluster(() => {
      inFlight++;
      most = Math.max(most, inFlight);
      return undefined;
    });
    const { writer } = makeWriter(cluster, {
      batch: { maxRows: 1, lingerMs: 0 },
      maxConcurrentQueries: 5,
    });
    const records = Array.from({ length: 200 }, (_, seq) => ({ id: seq, seq, v: 'x' }));
    const done = writeAll(writer, records);
    // Answer what is in flight, round after round, until every row is written.
    while (writer.stats().written !== records.length) {
      await new Promise((r) => setImmediate(r));
      for (const s of cluster.sent.splice(0)) {
        inFlight--;
        s.settle();
      }
    }
    await done;
    expect(most).toBe(5);
    expect(writer.stats()).toMatchObject({ maxInFlight: 5, inFlightShare: 5, written: 200 });
    // No window grows past the share.
    const hostStats = writer.stats().hosts as Record<string, { limit: number }>;
    for (const h of Object.values(hostStats)) expect(h.limit).toBeLessThanOrEqual(5);
  });

  it('sends rows no faster than maxRowsPerSecond, and about as fast (simulated clock)', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'],
    });
    try {
      const cluster = new FakeCluster(() => 'ok');
      const rate = 1000;
      const { writer } = makeWriter(cluster, {
        batch: { maxRows: 4, lingerMs: 0 },
        maxRowsPerSecond: rate,
      });
      const records = Array.from({ length: 600 }, (_, seq) => ({ id: seq, seq, v: 'x' }));
      let isDone = false;
      const done = writeAll(writer, records).then(() => {
        isDone = true;
      });
      const start = performance.now();
      // burst (100 ms of the rate) + the largest request (4 rows).
      const bound = (ms: number) => (rate * ms) / 1000 + rate / 10 + 4;
      let sentRows = 0;
      while (!isDone) {
        await vi.advanceTimersByTimeAsync(5);
        sentRows = cluster.sent.reduce((n, s) => n + s.rows.length, 0);
        expect(sentRows).toBeLessThanOrEqual(bound(performance.now() - start));
      }
      await done;
      const elapsed = performance.now() - start;
      expect(sentRows).toBe(600);
      // 500 rows past the burst at 1000/s: half a second, give or take a few timer steps.
      expect(elapsed).toBeGreaterThanOrEqual(490);
      expect(elapsed).toBeLessThanOrEqual(560);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends bytes no faster than maxBytesPerSecond, counting the serialized values (simulated clock)', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'],
    });
    try {
      const cluster = new FakeCluster(() => 'ok');
      const rate = 100_000;
      const { writer } = makeWriter(cluster, {
        batch: { maxRows: 8, lingerMs: 0 },
        maxBytesPerSecond: rate,
      });
      const records = Array.from({ length: 300 }, (_, seq) => ({
        id: seq,
        seq,
        v: 'y'.repeat(488),
      }));
      let isDone = false;
      const done = writeAll(writer, records).then(() => {
        isDone = true;
      });
      const start = performance.now();
      let sentBytes = 0;
      let largest = 0;
      while (!isDone) {
        await vi.advanceTimersByTimeAsync(5);
        sentBytes = 0;
        for (const s of cluster.sent) {
          const bytes = s.rows.reduce((n, r) => n + r.bytes, 0);
          sentBytes += bytes;
          largest = Math.max(largest, bytes);
        }
        const elapsed = performance.now() - start;
        expect(sentBytes).toBeLessThanOrEqual((rate * elapsed) / 1000 + rate / 10 + largest);
      }
      await done;
      // Each row carries at least its text value and that value's 4-byte length.
      expect(sentBytes).toBeGreaterThanOrEqual(300 * (4 + 488));
      const elapsed = performance.now() - start;
      expect(elapsed).toBeGreaterThanOrEqual(((sentBytes - rate / 10) / rate) * 1000 - 10);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('cassandra writer: transient failures', () => {
  it('retries timeouts, Overloaded, Unavailable and unreachable hosts without counting them against maxErrors', async () => {
    const kinds: FailureKind[] = ['timeout', 'overloaded', 'unavailable', 'unreachable'];
    const attempts = new Map<unknown, number>();
    const cluster = new FakeCluster((s) => {
      const record = s.rows[0]!.record as { seq: number };
      const n = (attempts.get(record) ?? 0) + 1;
      attempts.set(record, n);
      // Two transient failures of one kind, then success: within the three attempts allowed.
      return n <= 2 ? kinds[record.seq % kinds.length]! : 'ok';
    });
    const { writer, badRecords } = makeWriter(cluster, {
      batch: { maxRows: 1, lingerMs: 0 },
      maxErrors: 0,
    });
    const records = Array.from({ length: 40 }, (_, seq) => ({ id: seq, seq, v: 'x' }));
    await writeAll(writer, records);
    expect(writer.result()).toMatchObject({
      received: 40,
      written: 40,
      bad: 0,
      retries: 80,
      badCauses: { conversion: 0, rejected: 0, retriesExhausted: 0 },
      isComplete: true,
    });
    expect(badRecords.count).toBe(0);
  });

  it('counts bad rows by cause: not converted, rejected, retries spent', async () => {
    const cluster = new FakeCluster((s) => {
      const { v } = s.rows[0]!.record as { v: string };
      return v === 'refused' ? 'rejected' : v === 'down' ? 'unavailable' : 'ok';
    });
    const { writer, badRecords } = makeWriter(cluster, { batch: { maxRows: 1, lingerMs: 0 } });
    await writeAll(writer, [
      { id: 1, seq: 1, v: 'ok' },
      { id: 'one', seq: 2, v: 'ok' },
      { id: 3, seq: 3, v: 'refused' },
      { id: 4, seq: 4, v: 'down' },
      { id: 5, seq: 5, v: 'down' },
    ]);
    expect(writer.result()).toMatchObject({
      written: 1,
      bad: 4,
      // Two rows tried three times each: two retries apiece.
      retries: 4,
      badCauses: { conversion: 1, rejected: 1, retriesExhausted: 2 },
    });
    const lines = await badLines(badRecords);
    expect(lines.map((l) => [l.record.seq, l.attempts])).toEqual([
      [2, 0],
      [3, 1],
      [4, 3],
      [5, 3],
    ]);
  });

  it('an Unavailable error leaves the host window alone; a timeout shrinks it', async () => {
    const limits = async (kind: FailureKind) => {
      const cluster = new FakeCluster((_sent, n) => (n <= 3 ? kind : 'ok'));
      const { writer } = makeWriter(cluster, {
        batch: { maxRows: 1, lingerMs: 0 },
        window: { initial: 8, min: 1, max: 8 },
      });
      // One partition: every request goes to its primary replica while it has room.
      await writeAll(
        writer,
        Array.from({ length: 3 }, (_, seq) => ({ id: 1, seq, v: 'x' })),
      );
      const hostStats = writer.stats().hosts as Record<string, { limit: number; errors: object }>;
      return Object.values(hostStats)
        .filter((h) => Object.keys(h.errors).length > 0)
        .map((h) => h.limit);
    };
    expect(await limits('unavailable')).toEqual([8]);
    const afterTimeouts = await limits('timeout');
    expect(afterTimeouts).toHaveLength(1);
    expect(afterTimeouts[0]).toBeLessThan(8);
  });
});
