/**
 * Per-host counters of the sink, and request latency in an HDR histogram of microseconds
 * (runtime/metrics/histogram.ts, the one set-up every latency in Sluice uses). Stats are plain
 * data: they cross threads and end up in reports.
 */

import {
  createHistogram,
  type Histogram,
  type LatencySummary,
  summarize,
} from '../../runtime/metrics/histogram.ts';

export interface HostStats {
  requests: number;
  rows: number;
  inFlight: number;
  /** The adaptive window's current limit. */
  limit: number;
  /** Failed requests, retried or not, by kind. */
  errors: Record<string, number>;
  /** Request latency, µs. */
  latency: LatencySummary;
}

export class HostMetrics {
  requests = 0;
  rows = 0;
  readonly errors: Record<string, number> = {};
  readonly #latencyUs = createHistogram();

  recordSuccess(rows: number, latencyMs: number): void {
    this.rows += rows;
    this.#latencyUs.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
  }

  /** Adds this host's latencies (µs) to `sum`: HDR histograms merge exactly, percentiles do not. */
  addLatenciesTo(sum: Histogram): void {
    sum.add(this.#latencyUs);
  }

  recordError(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  snapshot(inFlight: number, limit: number): HostStats {
    return {
      requests: this.requests,
      rows: this.rows,
      inFlight,
      limit,
      errors: { ...this.errors },
      latency: summarize(this.#latencyUs),
    };
  }
}
