/**
 * The end of a load: what happened, as one plain object (`LoadReport`, written by `--report`)
 * and as the summary printed on stdout.
 *
 * The counts come from the sink instances' final stats, which every actor reports whether the
 * job finished, failed or was cancelled, so an aborted load still says exactly how many rows
 * were written and how many went to the bad files.
 *
 * Write latency: HDR histograms merge exactly, percentiles do not. When the sink's stats carry
 * an encoded histogram (`latencyHdr`: HDR compressed base64, microseconds) the instances' are
 * added and p50 … p99.9 read from the sum. Without it, only each host's percentiles are known,
 * and the report gives their maximum (an upper bound) and says it is approximate.
 */

import { writeFile } from 'node:fs/promises';
import * as hdr from 'hdr-histogram-js';
import { badFilePath } from '../../connectors/cassandra/bad-records.ts';
import type { JobStats } from '../../runtime/metrics/types.ts';

/** DSBulk's exit codes, so scripts written for it read these alike. */
export const EXIT = {
  ok: 0,
  /** Finished, but some rows are in the bad files (within maxErrors). */
  completedWithErrors: 1,
  tooManyErrors: 2,
  /** A bad option, a missing table, an unreachable host, a malformed file. */
  fatal: 3,
  interrupted: 4,
} as const;

export type LoadStatus = keyof typeof EXIT;

export interface LatencySummary {
  /** Requests measured. */
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number;
  /** False when merged from per-host percentiles (upper bounds) instead of histograms. */
  isExact: boolean;
}

export interface SinkTotals {
  /** Sink instances seen. */
  instances: number;
  received: number;
  written: number;
  bad: number;
  /** Bad-records files that hold rows. */
  badFiles: string[];
  latencyMs: LatencySummary | undefined;
  /** A dry run's INSERT statement: what a real load would prepare. */
  insertQuery: string | undefined;
}

export interface LoadReport {
  status: LoadStatus;
  exitCode: number;
  keyspace: string;
  table: string;
  isDryRun: boolean;
  inputs: string[];
  workers: number;
  /** Rows the sources read. */
  rowsRead: number;
  /** Rows written to Cassandra (with -dryRun: rows that converted and would be written). */
  written: number;
  bad: number;
  badFiles: string[];
  maxErrors: number | string;
  durationMs: number;
  /** Rows written (or, with -dryRun, converted) per second. */
  rowsPerSecond: number;
  latencyMs: LatencySummary | undefined;
  /** With -dryRun: the INSERT a real load would prepare. */
  insertQuery: string | undefined;
  /** Why the load stopped, when it did not finish. */
  error: string | undefined;
  options: Record<string, unknown>;
}

interface HostLatency {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Adds up the final stats of every instance of the sink `sinkId`. */
export function sinkTotals(stats: JobStats, sinkId: string, badFile: string): SinkTotals {
  const instances = stats.actors.flatMap((actor) => {
    const s = actor.sinks[sinkId] as Record<string, unknown> | undefined;
    return s === undefined ? [] : [{ instance: actor.instance, s }];
  });
  const parallelism = instances.length;
  const totals: SinkTotals = {
    instances: parallelism,
    received: 0,
    written: 0,
    bad: 0,
    badFiles: [],
    latencyMs: undefined,
    insertQuery: undefined,
  };
  const encoded: string[] = [];
  const hosts: HostLatency[] = [];
  for (const { instance, s } of instances.sort((a, b) => a.instance - b.instance)) {
    totals.received += Number(s.received ?? 0);
    totals.written += Number(s.wouldWrite ?? s.written ?? 0);
    const bad = Number(s.bad ?? 0);
    totals.bad += bad;
    if (bad > 0) totals.badFiles.push(badFilePath(badFile, instance, parallelism));
    if (typeof s.latencyHdr === 'string') encoded.push(s.latencyHdr);
    if (typeof s.insertQuery === 'string') totals.insertQuery = s.insertQuery;
    const perHost = (s.hosts ?? {}) as Record<string, { latencyMs?: HostLatency }>;
    for (const host of Object.values(perHost)) {
      if (host.latencyMs && host.latencyMs.count > 0) hosts.push(host.latencyMs);
    }
  }
  totals.latencyMs =
    encoded.length > 0 && encoded.length === instances.length
      ? mergeHistograms(encoded)
      : boundFromHosts(hosts);
  return totals;
}

/** Exact percentiles of the sum of HDR histograms recorded in microseconds. */
export function mergeHistograms(encoded: readonly string[]): LatencySummary | undefined {
  const histograms = encoded.map((e) => hdr.decodeFromCompressedBase64(e));
  const sum = histograms[0];
  if (sum === undefined) return undefined;
  for (const h of histograms.slice(1)) sum.add(h);
  if (sum.totalCount === 0) return undefined;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: sum.totalCount,
    p50: ms(sum.getValueAtPercentile(50)),
    p95: ms(sum.getValueAtPercentile(95)),
    p99: ms(sum.getValueAtPercentile(99)),
    p999: ms(sum.getValueAtPercentile(99.9)),
    max: ms(sum.maxValue),
    isExact: true,
  };
}

/** Without histograms: the worst host's percentile bounds the merged one from above. */
function boundFromHosts(hosts: readonly HostLatency[]): LatencySummary | undefined {
  if (hosts.length === 0) return undefined;
  const worst = (key: 'p50' | 'p99' | 'p999' | 'max') => Math.max(...hosts.map((h) => h[key]));
  return {
    count: hosts.reduce((sum, h) => sum + h.count, 0),
    p50: worst('p50'),
    p95: null,
    p99: worst('p99'),
    p999: worst('p999'),
    max: Math.max(worst('max'), worst('p999')),
    isExact: false,
  };
}

/** Whether the bad rows exceed the limit: a count, or a percentage of the rows received. */
export function isOverLimit(bad: number, received: number, maxErrors: number | string): boolean {
  if (typeof maxErrors === 'number') return bad > maxErrors;
  const ratio = Number(maxErrors.replace('%', '')) / 100;
  return bad > ratio * received;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function latencyLine(l: LatencySummary): string {
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
  const note = l.isExact ? '' : ' (upper bounds: worst host; p95 needs the sink histograms)';
  return (
    `  write latency ms: p50 ${f(l.p50)}  p95 ${f(l.p95)}  p99 ${f(l.p99)}  ` +
    `p99.9 ${f(l.p999)}  max ${f(l.max)}  over ${count.format(l.count)} requests${note}`
  );
}

/** The summary on stdout: a few lines a person reads, the same facts as the report. */
export function formatSummary(report: LoadReport): string {
  const seconds = report.durationMs / 1000;
  const verb = report.isDryRun ? 'would be written (dry run: nothing written)' : 'written';
  const lines = [
    `${report.status === 'ok' || report.status === 'completedWithErrors' ? 'loaded' : 'load stopped:'} ` +
      `${report.keyspace}.${report.table}: ${count.format(report.written)} rows ${verb}, ` +
      `${count.format(report.bad)} bad, ${count.format(report.rowsRead)} read`,
    `  ${seconds.toFixed(2)} s on ${report.workers} workers, ${count.format(report.rowsPerSecond)} rows/s`,
  ];
  if (report.bad > 0) lines.push(`  bad rows (line and reason): ${report.badFiles.join(', ')}`);
  if (report.insertQuery !== undefined) lines.push(`  statement: ${report.insertQuery}`);
  if (report.latencyMs !== undefined) lines.push(latencyLine(report.latencyMs));
  if (report.error !== undefined) lines.push(`  error: ${report.error}`);
  return lines.join('\n');
}

export async function writeReport(path: string, report: LoadReport): Promise<void> {
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
