/** The console summary of a run: counts, throughput, and latency percentiles in ms. */

import type { LatencySummary } from '../../../runtime/metrics/histogram.ts';
import type { BenchReport } from '../coordinator.ts';

const COLUMNS: Array<[string, keyof LatencySummary]> = [
  ['min', 'min'],
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['max', 'max'],
];

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

export function formatMs(us: number): string {
  return (us / 1000).toFixed(us < 10_000 ? 3 : us < 1_000_000 ? 2 : 0);
}

function latencyRow(label: string, summary: LatencySummary): string {
  return label.padEnd(18) + COLUMNS.map(([, key]) => formatMs(summary[key]).padStart(10)).join('');
}

export function formatSummary(report: BenchReport): string {
  const s = report.settings;
  const isRated = report.mode === 'fixed-rate';
  const bound = s.count === undefined ? `${s.durationSeconds} s` : `${integer.format(s.count)} ops`;
  const lines = [
    `sluice bench ${report.workload}: ${isRated ? `fixed rate ${integer.format(s.rate!)} ops/s` : 'maximum throughput'}, ` +
      `${bound}, warmup ${s.warmupSeconds} s, ${s.workers} workers, concurrency ${s.concurrency}`,
    `  ${s.keyspace}.${s.table} on ${s.connection.contactPoints.join(',')} (${s.consistency}, rf ${s.replicationFactor})`,
    '',
    `  operations   ${integer.format(report.ops)}   errors ${integer.format(report.errors)}` +
      (report.misses > 0 ? `   misses ${integer.format(report.misses)} (keys not found)` : '') +
      (report.warmupOps > 0 ? `   warmup ${integer.format(report.warmupOps)} (not measured)` : ''),
    `  throughput   ${decimal.format(report.opsPerSecond)} ops/s over ${report.elapsedSeconds.toFixed(2)} s` +
      (isRated && report.opsPerSecond < 0.95 * s.rate!
        ? `   (below the asked ${s.rate} ops/s)`
        : ''),
    '',
    `  latency (ms)${''.padEnd(6)}${COLUMNS.map(([name]) => name.padStart(10)).join('')}`,
  ];
  if (isRated) {
    lines.push(latencyRow('  intended start', report.latencyUs));
    lines.push(latencyRow('  service time', report.serviceUs));
  } else {
    lines.push(latencyRow('  all', report.latencyUs));
  }
  if (report.kinds.length > 1) {
    for (const kind of report.kinds) {
      lines.push(latencyRow(`  ${kind.name} (${integer.format(kind.ops)})`, kind.latencyUs));
    }
  }
  if (report.errorSamples.length > 0) {
    lines.push('', '  errors:');
    for (const sample of report.errorSamples) {
      lines.push(`  ${integer.format(sample.count).padStart(8)} × ${sample.message}`);
    }
  }
  for (const note of report.notes) lines.push('', `  note: ${note}`);
  if (report.isInterrupted)
    lines.push('', '  interrupted: the figures cover the run until it was stopped');
  return lines.join('\n');
}

/** One progress line per second while the run goes on. */
export function formatProgress(
  elapsedSeconds: number,
  ops: number,
  errors: number,
  opsLastSecond: number,
): string {
  return (
    `  ${elapsedSeconds.toFixed(0).padStart(5)} s  ${integer.format(opsLastSecond).padStart(9)} ops/s` +
    `  ${integer.format(ops).padStart(12)} ops  ${integer.format(errors)} errors`
  );
}
