/**
 * The end of a load: what happened, as one plain object (`LoadReport`, written by `--report`)
 * and as the summary printed on stdout.
 *
 * The counts come from the sink instances' final stats, which every actor reports whether the
 * job finished, failed or was cancelled, so an aborted load still says exactly how many rows
 * were written and how many went to the bad files.
 *
 * Write latency: HDR histograms merge exactly, percentiles do not. Each sink instance's stats
 * carry its histogram (`latencyHdr`: HDR compressed base64, microseconds); the instances' are
 * added and the percentiles read from the sum, in the same `LatencySummary` (µs) as
 * `sluice bench` reports.
 */

import { writeFile } from 'node:fs/promises';
import { instancePath } from '../../runtime/graph/connector.ts';
import { type LatencySummary, mergeEncoded, summarize } from '../../runtime/metrics/histogram.ts';
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

export interface SinkTotals {
  /** Sink instances seen. */
  instances: number;
  received: number;
  written: number;
  bad: number;
  /** Requests sent again after a transient failure (timeout, Overloaded, Unavailable). */
  retries: number;
  /** The sink's bad rows by cause (the writer's `BadCause`). */
  badCauses: { conversion: number; rejected: number; retriesExhausted: number };
  /** Bad-records files that hold rows. */
  badFiles: string[];
  /** Write latency of every request, µs; undefined for a dry run. */
  latency: LatencySummary | undefined;
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
  /** Of `bad`: records the readers could not read, rows that did not convert, rows not written. */
  badByKind: { connector: number; mapping: number; load: number };
  /** Of the rows not written: refused by Cassandra, or failed again and again until their retries ran out. */
  notWritten: { rejected: number; afterRetries: number };
  /**
   * Transient write failures (timeouts, Overloaded, Unavailable) that were retried. None of
   * them is a bad row, nor counts against -maxErrors: a row is bad only once its retries run out.
   */
  retries: number;
  badFiles: string[];
  /** This load's DSBulk-style log directory (logs/LOAD_<timestamp>). */
  logDirectory: string;
  /** As given: a count, a percentage, or -1 for none. */
  maxErrors: string;
  durationMs: number;
  /** Rows written (or, with -dryRun, converted) per second. */
  rowsPerSecond: number;
  /** Write latency of every request, µs; undefined for a dry run. */
  latency: LatencySummary | undefined;
  /** With -dryRun: the INSERT a real load would prepare. */
  insertQuery: string | undefined;
  /** Why the load stopped, when it did not finish. */
  error: string | undefined;
  options: Record<string, unknown>;
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
    retries: 0,
    badCauses: { conversion: 0, rejected: 0, retriesExhausted: 0 },
    badFiles: [],
    latency: undefined,
    insertQuery: undefined,
  };
  const encoded: string[] = [];
  for (const { instance, s } of instances.sort((a, b) => a.instance - b.instance)) {
    totals.received += Number(s.received ?? 0);
    totals.written += Number(s.wouldWrite ?? s.written ?? 0);
    const bad = Number(s.bad ?? 0);
    totals.bad += bad;
    totals.retries += Number(s.retries ?? 0);
    const causes = (s.badCauses ?? {}) as Partial<SinkTotals['badCauses']>;
    for (const cause of ['conversion', 'rejected', 'retriesExhausted'] as const) {
      totals.badCauses[cause] += causes[cause] ?? 0;
    }
    if (bad > 0) totals.badFiles.push(instancePath(badFile, instance, parallelism));
    if (typeof s.latencyHdr === 'string') encoded.push(s.latencyHdr);
    if (typeof s.insertQuery === 'string') totals.insertQuery = s.insertQuery;
  }
  totals.latency = mergeHistograms(encoded);
  return totals;
}

/** Percentiles of the sum of the instances' histograms; undefined when nothing was measured. */
export function mergeHistograms(encoded: readonly string[]): LatencySummary | undefined {
  const sum = mergeEncoded(encoded);
  try {
    return sum.totalCount === 0 ? undefined : summarize(sum);
  } finally {
    sum.destroy();
  }
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function latencyLine(l: LatencySummary): string {
  const ms = (us: number) => (us / 1000).toFixed(2);
  return (
    `  write latency ms: p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  ` +
    `p99.9 ${ms(l.p999)}  max ${ms(l.max)}  over ${count.format(l.count)} requests`
  );
}

/** ": 2 rejected, 1 failed after retries", when the rows not written are told apart. */
function notWrittenCauses({ rejected, afterRetries }: LoadReport['notWritten']): string {
  const parts = [
    rejected > 0 ? `${count.format(rejected)} rejected by Cassandra` : '',
    afterRetries > 0 ? `${count.format(afterRetries)} failed after retries` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
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
  if (report.bad > 0) {
    const { connector, mapping, load } = report.badByKind;
    const kinds = [
      connector > 0 ? `${count.format(connector)} unreadable` : '',
      mapping > 0 ? `${count.format(mapping)} not convertible` : '',
      load > 0 ? `${count.format(load)} not written${notWrittenCauses(report.notWritten)}` : '',
    ].filter((k) => k !== '');
    lines.push(
      `  bad records${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''}, with line and reason: ${report.badFiles.join(', ')}`,
    );
  }
  if (report.retries > 0) {
    lines.push(
      `  retried: ${count.format(report.retries)} transient write failures (timeouts, Overloaded, Unavailable); a row is bad only once its retries run out`,
    );
  }
  if (report.insertQuery !== undefined) lines.push(`  statement: ${report.insertQuery}`);
  if (report.latency !== undefined) lines.push(latencyLine(report.latency));
  if (report.error !== undefined) lines.push(`  error: ${report.error}`);
  const isBalanced = report.written + report.bad === report.rowsRead;
  const isStopped = report.status === 'interrupted' || report.status === 'tooManyErrors';
  lines.push(
    isBalanced
      ? `  every record read was written or reported (written + bad = read)${isStopped ? '; the rest of the input was not read' : ''}`
      : `  ${count.format(report.rowsRead - report.written - report.bad)} records read were neither written nor reported`,
  );
  if (isStopped) {
    lines.push(
      '  a re-run reads every input again from the start (Sluice does not resume a load yet)',
    );
  }
  lines.push(`  logs: ${report.logDirectory}`);
  return lines.join('\n');
}

export async function writeReport(path: string, report: LoadReport): Promise<void> {
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
