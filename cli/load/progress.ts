/**
 * Progress of a running load on stderr: a live bar when stderr is a terminal, else a plain
 * line every few seconds (a log file or CI output should not fill with redraws).
 *
 * Rows read are compared with an estimate of the rows the inputs hold (see `peek.ts`), so
 * the percentage and the ETA are marked "≈". Reading stdin there is no estimate: no bar, no
 * ETA, only counts and rates.
 */

import cliProgress from 'cli-progress';
import type { JobStats } from '../../runtime/metrics/types.ts';

export interface ProgressSnapshot {
  elapsedMs: number;
  rowsRead: number;
  rowsPerSecond: number;
  written: number;
  errors: number;
}

export interface ProgressView {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** rows read, the rate over the last interval, and the sink's written and bad counts. */
export function snapshotOf(stats: JobStats, written: number, errors: number): ProgressSnapshot {
  return {
    elapsedMs: stats.elapsedMs,
    rowsRead: stats.recordsIn,
    rowsPerSecond: stats.recordsPerSecond,
    written,
    errors,
  };
}

/** One plain progress line: for logs, and for a terminal-less stderr. */
export function progressLine(s: ProgressSnapshot, estimatedRows: number | undefined): string {
  const share =
    estimatedRows !== undefined && estimatedRows > 0
      ? ` (≈${Math.min(100, Math.round((100 * s.rowsRead) / estimatedRows))}% of ≈${count.format(estimatedRows)})`
      : '';
  return (
    `[load] ${(s.elapsedMs / 1000).toFixed(1)} s  ${count.format(s.rowsRead)} rows read${share}  ` +
    `${count.format(s.written)} written  ${count.format(s.rowsPerSecond)} rows/s  ` +
    `${count.format(s.errors)} errors`
  );
}

/**
 * Rows per second over the last few seconds. The runtime's own rate covers one progress
 * interval, and a source that reads in bursts (it waits for credit, then fills a segment)
 * swings between 0 and twice its mean from one interval to the next.
 */
export class RateWindow {
  private readonly points: Array<{ at: number; rows: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  add(at: number, rows: number): number {
    this.points.push({ at, rows });
    while (this.points.length > 2 && at - this.points[1]!.at >= this.windowMs) this.points.shift();
    const first = this.points[0]!;
    return at > first.at ? ((rows - first.rows) * 1000) / (at - first.at) : 0;
  }
}

export function progressView(options: {
  stream: NodeJS.WriteStream;
  estimatedRows: number | undefined;
  /** Without a terminal, a line at most this often. */
  lineEveryMs?: number;
}): ProgressView {
  const { stream, estimatedRows } = options;
  const rate = new RateWindow();
  const smooth = (s: ProgressSnapshot): ProgressSnapshot => ({
    ...s,
    rowsPerSecond: rate.add(s.elapsedMs, s.rowsRead),
  });
  if (stream.isTTY !== true) {
    const every = options.lineEveryMs ?? 5000;
    let lastAt = Number.NEGATIVE_INFINITY;
    return {
      update(snapshot) {
        const s = smooth(snapshot);
        if (s.elapsedMs - lastAt < every) return;
        lastAt = s.elapsedMs;
        stream.write(`${progressLine(s, estimatedRows)}\n`);
      },
      stop() {},
    };
  }
  const hasEstimate = estimatedRows !== undefined && estimatedRows > 0;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: hasEstimate
        ? '{bar} ≈{percentage}% | {value} of ≈{total} rows | {rate} rows/s | {errors} errors | ETA ≈{eta_formatted}'
        : '{value} rows | {rate} rows/s | {errors} errors | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      // cli-progress estimates from its last N updates: 20 at 2 per second is 10 s.
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = hasEstimate ? estimatedRows : 1;
  bar.start(total, 0, { rate: '0', errors: '0' });
  return {
    update(snapshot) {
      const s = smooth(snapshot);
      // An estimate that falls short is raised rather than letting the bar pass 100%.
      if (hasEstimate && s.rowsRead > total) {
        total = s.rowsRead;
        bar.setTotal(total);
      }
      bar.update(s.rowsRead, {
        rate: count.format(s.rowsPerSecond),
        errors: count.format(s.errors),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
