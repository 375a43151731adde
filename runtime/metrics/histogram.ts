/**
 * HDR histograms of latencies in microseconds, 3 significant digits.
 *
 * Histograms cross threads as compressed base64 strings (the HdrHistogram interchange
 * format), and are merged by adding counts, so percentiles of the merged histogram are exact
 * to the histogram's resolution, never averages of per-worker percentiles.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** One hour in µs; auto-resize lets a pathological run record more without throwing. */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export function createHistogram(): Histogram {
  return hdr.build({
    numberOfSignificantValueDigits: 3,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    autoResize: true,
  });
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64);
}

/** A new histogram holding the sum of the encoded ones. */
export function mergeEncoded(encoded: Iterable<string>): Histogram {
  // The sum starts as the first part: adding parts of one layout to it keeps every count in
  // its bucket, where adding to a fresh histogram of another layout may move values by one.
  let merged: Histogram | undefined;
  for (const base64 of encoded) {
    const part = decodeHistogram(base64);
    if (merged === undefined) {
      merged = part;
      merged.autoResize = true;
      continue;
    }
    merged.add(part);
    part.destroy();
  }
  return merged ?? createHistogram();
}

/** Latency percentiles in microseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0)
    return { count, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  return {
    count,
    // minNonZeroValue, because a 0 µs latency is recorded only by simulated servers.
    min: histogram.minNonZeroValue,
    mean: histogram.mean,
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p95: histogram.getValueAtPercentile(95),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    max: histogram.maxValue,
  };
}

/** Percentiles for a distribution plot, denser towards the tail as HdrHistogram plots are. */
export const DISTRIBUTION_PERCENTILES: readonly number[] = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.25, 97.5, 98, 98.5, 99, 99.25, 99.5,
  99.75, 99.9, 99.95, 99.99, 99.995, 99.999, 100,
];

export interface DistributionPoint {
  percentile: number;
  valueUs: number;
}

export function distribution(histogram: Histogram): DistributionPoint[] {
  if (histogram.totalCount === 0) return [];
  return DISTRIBUTION_PERCENTILES.map((percentile) => ({
    percentile,
    valueUs:
      percentile === 0 ? histogram.minNonZeroValue : histogram.getValueAtPercentile(percentile),
  }));
}

/**
 * How many recorded values exceed `value`, to the histogram's resolution. Percentiles are
 * monotonic, so a bisection finds the last one at or below `value`.
 */
export function countAbove(histogram: Histogram, value: number): number {
  let low = 0;
  let high = 100;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (histogram.getValueAtPercentile(mid) <= value) low = mid;
    else high = mid;
  }
  return Math.round(histogram.totalCount * (1 - low / 100));
}
