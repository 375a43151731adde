/**
 * The coordinator's view of a run: the workers' results merged into one report.
 *
 * Counts add up; histograms are merged bucket by bucket, so every percentile here is the
 * percentile of all operations, not an average of workers' percentiles.
 */
import {
  type DistributionPoint,
  distribution,
  encodeHistogram,
  type LatencySummary,
  mergeEncoded,
  summarize,
} from '../../runtime/metrics/histogram.ts';
import type { ErrorSample, SecondResult, WorkerResult } from './recorder.ts';

export interface SecondPoint {
  second: number;
  ops: number;
  errors: number;
  latencyP50Us: number;
  latencyP99Us: number;
  serviceP50Us: number;
  serviceP99Us: number;
}

export interface KindReport {
  name: string;
  ops: number;
  errors: number;
  misses: number;
  latencyUs: LatencySummary;
  serviceUs: LatencySummary;
}

/** Everything measured, in plain data; every latency is in microseconds. */
export interface BenchMeasurements {
  ops: number;
  errors: number;
  misses: number;
  warmupOps: number;
  elapsedSeconds: number;
  opsPerSecond: number;
  latencyUs: LatencySummary;
  serviceUs: LatencySummary;
  kinds: KindReport[];
  series: SecondPoint[];
  distribution: { latency: DistributionPoint[]; service: DistributionPoint[] };
  /** HdrHistogram compressed base64, for tools that read histogram logs. */
  histograms: { latency: string; service: string };
  errorSamples: ErrorSample[];
  isInterrupted: boolean;
}

export function mergeResults(results: readonly WorkerResult[]): BenchMeasurements {
  const latency = mergeEncoded(results.map((r) => r.latency));
  const service = mergeEncoded(results.map((r) => r.service));
  const ops = sum(results, (r) => r.ops);
  const elapsedSeconds = Math.max(0, ...results.map((r) => r.elapsedUs)) / 1e6;
  const measurements: BenchMeasurements = {
    ops,
    errors: sum(results, (r) => r.errors),
    misses: sum(results, (r) => r.misses),
    warmupOps: sum(results, (r) => r.warmupOps),
    elapsedSeconds,
    opsPerSecond: elapsedSeconds > 0 ? ops / elapsedSeconds : 0,
    latencyUs: summarize(latency),
    serviceUs: summarize(service),
    kinds: mergeKinds(results),
    series: mergeSeconds(results),
    distribution: { latency: distribution(latency), service: distribution(service) },
    histograms: { latency: encodeHistogram(latency), service: encodeHistogram(service) },
    errorSamples: mergeErrorSamples(results),
    isInterrupted: results.some((r) => r.isInterrupted),
  };
  latency.destroy();
  service.destroy();
  return measurements;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

function mergeKinds(results: readonly WorkerResult[]): KindReport[] {
  const names = results[0]?.kinds.map((k) => k.name) ?? [];
  return names.map((name, i) => {
    const parts = results.map((r) => r.kinds[i]!);
    const latency = mergeEncoded(parts.map((k) => k.latency));
    const service = mergeEncoded(parts.map((k) => k.service));
    const report: KindReport = {
      name,
      ops: sum(parts, (k) => k.ops),
      errors: sum(parts, (k) => k.errors),
      misses: sum(parts, (k) => k.misses),
      latencyUs: summarize(latency),
      serviceUs: summarize(service),
    };
    latency.destroy();
    service.destroy();
    return report;
  });
}

/** One point per second from 0 to the last, including seconds in which nothing completed. */
function mergeSeconds(results: readonly WorkerResult[]): SecondPoint[] {
  const bySecond = new Map<number, SecondResult[]>();
  for (const part of results.flatMap((r) => r.seconds)) {
    const parts = bySecond.get(part.second);
    if (parts === undefined) bySecond.set(part.second, [part]);
    else parts.push(part);
  }
  const last = Math.max(-1, ...bySecond.keys());
  const points: SecondPoint[] = [];
  for (let second = 0; second <= last; second++) {
    const parts = bySecond.get(second) ?? [];
    const latency = mergeEncoded(parts.map((s) => s.latency));
    const service = mergeEncoded(parts.map((s) => s.service));
    points.push({
      second,
      ops: sum(parts, (s) => s.ops),
      errors: sum(parts, (s) => s.errors),
      latencyP50Us: latency.totalCount ? latency.getValueAtPercentile(50) : 0,
      latencyP99Us: latency.totalCount ? latency.getValueAtPercentile(99) : 0,
      serviceP50Us: service.totalCount ? service.getValueAtPercentile(50) : 0,
      serviceP99Us: service.totalCount ? service.getValueAtPercentile(99) : 0,
    });
    latency.destroy();
    service.destroy();
  }
  return points;
}

function mergeErrorSamples(results: readonly WorkerResult[]): ErrorSample[] {
  const counts = new Map<string, number>();
  for (const sample of results.flatMap((r) => r.errorSamples)) {
    counts.set(sample.message, (counts.get(sample.message) ?? 0) + sample.count);
  }
  return [...counts]
    .map(([message, count]) => ({ message, count }))
    .sort((a, b) => b.count - a.count);
}
