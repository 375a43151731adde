import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { progressLine, progressView } from '../../../cli/load/progress.ts';
import {
  EXIT,
  formatSummary,
  type LoadReport,
  mergeHistograms,
  sinkTotals,
} from '../../../cli/load/report.ts';
import { createHistogram } from '../../../runtime/metrics/histogram.ts';
import type { ActorStats, JobStats } from '../../../runtime/metrics/types.ts';

const SEED = Number(process.env.SLUICE_TEST_SEED ?? 2026);

function histogram(valuesUs: number[]) {
  const h = createHistogram();
  for (const v of valuesUs) h.recordValue(v);
  return h;
}

function actor(instance: number, sinks: Record<string, unknown>): ActorStats {
  return { id: `a/${instance}`, instance, sinks } as unknown as ActorStats;
}

function jobStats(actors: ActorStats[]): JobStats {
  return { actors, recordsIn: 0, elapsedMs: 0, workers: 2 } as unknown as JobStats;
}

describe('mergeHistograms', () => {
  it('the merged percentiles are those of one histogram of all the values', () => {
    const values = fc.array(fc.integer({ min: 1, max: 5_000_000 }), {
      minLength: 1,
      maxLength: 200,
    });
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 4 }), (parts) => {
        const merged = mergeHistograms(
          parts.map((p) => hdr.encodeIntoCompressedBase64(histogram(p))),
        )!;
        // One histogram of every value, through the same encoding the parts cross threads in.
        const whole = hdr.decodeFromCompressedBase64(
          hdr.encodeIntoCompressedBase64(histogram(parts.flat())),
        );
        expect(merged.count).toBe(whole.totalCount);
        expect(merged.p50).toBe(whole.getValueAtPercentile(50));
        expect(merged.p95).toBe(whole.getValueAtPercentile(95));
        expect(merged.p999).toBe(whole.getValueAtPercentile(99.9));
        expect(merged.max).toBe(whole.maxValue);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});

describe('sinkTotals', () => {
  it('adds every instance, names the bad files of instances that have bad rows', () => {
    const stats = jobStats([
      actor(1, { 'cassandra#2': { received: 10, written: 7, bad: 3 } }),
      actor(0, { 'cassandra#2': { received: 5, written: 5, bad: 0 } }),
      actor(2, { 'csv#0': {} }),
    ]);
    const totals = sinkTotals(stats, 'cassandra#2', 'out/bad.jsonl');
    expect(totals.retries).toBe(0);
    expect(totals).toMatchObject({
      instances: 2,
      received: 15,
      written: 12,
      bad: 3,
      badFiles: ['out/bad-1.jsonl'],
      latency: undefined,
    });
  });

  it('a dry run counts the rows that would be written', () => {
    const stats = jobStats([actor(0, { 'dryRun#2': { received: 4, wouldWrite: 3, bad: 1 } })]);
    expect(sinkTotals(stats, 'dryRun#2', 'b.jsonl')).toMatchObject({
      written: 3,
      bad: 1,
      badFiles: ['b.jsonl'],
    });
  });

  it('adds the retries and the bad rows by cause of every instance', () => {
    const stats = jobStats([
      actor(0, {
        'cassandra#2': {
          received: 10,
          written: 7,
          bad: 3,
          retries: 40,
          badCauses: { conversion: 1, rejected: 0, retriesExhausted: 2 },
        },
      }),
      actor(1, {
        'cassandra#2': {
          received: 5,
          written: 4,
          bad: 1,
          retries: 2,
          badCauses: { conversion: 0, rejected: 1, retriesExhausted: 0 },
        },
      }),
    ]);
    expect(sinkTotals(stats, 'cassandra#2', 'bad.jsonl')).toMatchObject({
      bad: 4,
      retries: 42,
      badCauses: { conversion: 1, rejected: 1, retriesExhausted: 2 },
    });
  });

  it("merges every instance's histogram exactly", () => {
    const a = hdr.encodeIntoCompressedBase64(histogram([1000, 2000, 3000]));
    const b = hdr.encodeIntoCompressedBase64(histogram([10_000]));
    const merged = sinkTotals(
      jobStats([
        actor(0, { s: { received: 3, written: 3, bad: 0, latencyHdr: a } }),
        actor(1, { s: { received: 1, written: 1, bad: 0, latencyHdr: b } }),
      ]),
      's',
      'x',
    ).latency!;
    expect(merged.count).toBe(4);
    // Within the histograms' resolution: three significant digits.
    expect(Math.abs(merged.min - 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs(merged.max - 10_000)).toBeLessThanOrEqual(10);
  });
});

describe('formatSummary', () => {
  const report: LoadReport = {
    status: 'completedWithErrors',
    exitCode: EXIT.completedWithErrors,
    keyspace: 'ks',
    table: 't',
    isDryRun: false,
    inputs: ['a.csv'],
    workers: 2,
    rowsRead: 1003,
    written: 1000,
    bad: 3,
    badByKind: { connector: 1, mapping: 0, load: 2 },
    notWritten: { rejected: 0, afterRetries: 0 },
    retries: 0,
    badFiles: ['bad-0.jsonl', 'bad-1.jsonl'],
    logDirectory: 'logs/LOAD_20261130-101500-000000',
    maxErrors: '100',
    durationMs: 2000,
    rowsPerSecond: 500,
    latency: {
      count: 40,
      min: 500,
      mean: 1500,
      p50: 1000,
      p90: 1800,
      p95: 2000,
      p99: 3000,
      p999: 4000,
      max: 5000,
    },
    insertQuery: undefined,
    error: undefined,
    options: { password: '***' },
  };

  it('says what was written, what was bad and where, how fast, and the latencies', () => {
    const text = formatSummary(report);
    expect(text).toContain('ks.t: 1,000 rows written, 3 bad, 1,003 read');
    expect(text).toContain('bad-0.jsonl, bad-1.jsonl');
    expect(text).toContain('bad records (1 unreadable, 2 not written)');
    expect(text).toContain('every record read was written or reported (written + bad = read)');
    expect(text).toContain('logs: logs/LOAD_20261130-101500-000000');
    expect(formatSummary({ ...report, written: 999 })).toContain(
      '1 records read were neither written nor reported',
    );
    expect(text).toContain('500 rows/s');
    expect(text).toMatch(/p50 1\.00 {2}p95 2\.00 {2}p99 3\.00 {2}p99\.9 4\.00/);
    const dry = formatSummary({
      ...report,
      isDryRun: true,
      latency: undefined,
      insertQuery: 'INSERT INTO "ks"."t" ("id") VALUES (?)',
    });
    expect(dry).toContain('would be written (dry run: nothing written)');
    expect(dry).toContain('statement: INSERT INTO "ks"."t" ("id") VALUES (?)');
    expect(dry).not.toContain('latency');
  });

  it('counts retried transient failures apart, and tells rows Cassandra refused from rows whose retries ran out', () => {
    expect(formatSummary(report)).not.toContain('retried');
    const text = formatSummary({
      ...report,
      retries: 1234,
      notWritten: { rejected: 1, afterRetries: 1 },
    });
    expect(text).toContain(
      'retried: 1,234 transient write failures (timeouts, Overloaded, Unavailable); a row is bad only once its retries run out',
    );
    expect(text).toContain(
      'bad records (1 unreadable, 2 not written: 1 rejected by Cassandra, 1 failed after retries)',
    );
  });
});

describe('progress without a terminal', () => {
  it('writes a line at most every interval, with the estimate when there is one', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as never;
    const view = progressView({ stream, estimatedRows: 1000, lineEveryMs: 5000 });
    const at = (elapsedMs: number, rowsRead: number) =>
      view.update({ elapsedMs, rowsRead, rowsPerSecond: 100, written: rowsRead, errors: 2 });
    at(500, 50);
    at(4000, 400);
    at(5600, 560);
    view.stop();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      `${progressLine({ elapsedMs: 5600, rowsRead: 560, rowsPerSecond: 100, written: 560, errors: 2 }, 1000)}\n`,
    );
    expect(lines[1]).toContain('560 rows read (≈56% of ≈1,000)');
    expect(
      progressLine(
        { elapsedMs: 0, rowsRead: 5, rowsPerSecond: 0, written: 0, errors: 0 },
        undefined,
      ),
    ).not.toContain('≈');
  });
});
