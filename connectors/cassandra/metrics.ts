/**
 * Per-host counters of the sink, and request latency in an HDR histogram.
 *
 * Latency is recorded in microseconds (HDR histograms hold integers) and reported in
 * milliseconds. Stats are plain data: they cross threads and end up in reports.
 */

import * as hdr from 'hdr-histogram-js';

export interface HostStats {
  requests: number;
  rows: number;
  inFlight: number;
  /** The adaptive window's current limit. */
  limit: number;
  /** Failed requests, retried or not, by kind. */
  errors: Record<string, number>;
  latencyMs: { count: number; mean: number; p50: number; p99: number; p999: number; max: number };
}

/** A histogram of the same shape as the hosts', to sum them in. */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export class HostMetrics {
  requests = 0;
  rows = 0;
  readonly errors: Record<string, number> = {};
  readonly #latencyUs = latencyHistogram();

  recordSuccess(rows: number, latencyMs: number): void {
    this.rows += rows;
    this.#latencyUs.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
  }

  /** Adds this host's latencies (µs) to `sum`: HDR histograms merge exactly, percentiles do not. */
  addLatenciesTo(sum: hdr.Histogram): void {
    sum.add(this.#latencyUs);
  }

  recordError(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  snapshot(inFlight: number, limit: number): HostStats {
    const h = this.#latencyUs;
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      requests: this.requests,
      rows: this.rows,
      inFlight,
      limit,
      errors: { ...this.errors },
      latencyMs: {
        count: h.totalCount,
        mean: ms(h.totalCount === 0 ? 0 : h.mean),
        p50: ms(h.getValueAtPercentile(50)),
        p99: ms(h.getValueAtPercentile(99)),
        p999: ms(h.getValueAtPercentile(99.9)),
        max: ms(h.maxValue),
      },
    };
  }
}
