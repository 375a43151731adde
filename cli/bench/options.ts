/**
 * The options of a benchmark run, parsed from the command line's strings and validated
 * before anything connects. Every error is a `ConfigError` naming the flag, what it needs
 * and what it got (never for the password).
 */
import { availableParallelism } from 'node:os';
import { IDENTIFIER } from '../../connectors/cassandra/config.ts';
import { ConfigError } from '../../runtime/errors.ts';
import {
  type ConnectionArgs,
  type ConnectionPlan,
  resolveConnectionArgs,
} from '../connection-options.ts';
import { parseDuration } from '../durations.ts';
import { workloadByName } from './workloads/registry.ts';
import type { ValueType, WorkloadOptions } from './workloads/types.ts';

/** The command line as commander hands it over: strings, booleans, absent. */
export interface RawBenchOptions extends ConnectionArgs {
  keyspace?: string;
  table?: string;
  rf?: string;
  rate?: string;
  duration?: string;
  count?: string;
  warmup?: string;
  concurrency?: string;
  workers?: string;
  valueSize?: string;
  valueType?: string;
  keys?: string;
  rowsPerPartition?: string;
  ratio?: string;
  seed?: string;
  report?: string;
  html?: string;
}

export interface BenchPlan {
  workload: string;
  connection: ConnectionPlan;
  /** `dataCenter` is the one given with --dc, else found with the cluster (see `runBench`). */
  workloadOptions: WorkloadOptions;
  /** ops/s for the whole run; absent means maximum throughput. */
  rate: number | undefined;
  durationUs: number | undefined;
  count: number | undefined;
  warmupUs: number;
  concurrency: number;
  workers: number;
  reportPath: string | undefined;
  htmlPath: string | undefined;
}

export const DEFAULTS = {
  keyspace: 'sluice_bench',
  rf: 1,
  duration: '30s',
  warmup: '0s',
  concurrency: 64,
  valueSize: 100,
  valueType: 'blob' as ValueType,
  keys: 100_000,
  rowsPerPartition: 1_000,
  ratio: '3:1',
  seed: 1,
};

// Names go into CQL unquoted, so only plain identifiers are accepted.
function invalid(flag: string, expected: string, got: string): never {
  throw new ConfigError(`--${flag} must be ${expected}, got "${got}"`, {
    details: { option: flag },
  });
}

/** A whole number, optionally with a k or m suffix (10k = 10000) or _ separators. */
export function parseCount(
  text: string,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const match = /^(\d[\d_]*)([kKmM]?)$/.exec(text.trim());
  const suffix = match?.[2]?.toLowerCase();
  const value = match
    ? Number(match[1]!.replaceAll('_', '')) * (suffix === 'k' ? 1e3 : suffix === 'm' ? 1e6 : 1)
    : Number.NaN;
  if (!(value >= min && value <= max)) {
    invalid(flag, `a whole number from ${min} to ${max} (10k and 1m are accepted)`, text);
  }
  return value;
}

function parseRate(text: string): number {
  const value = Number(text.trim());
  if (!(value > 0) || !Number.isFinite(value)) {
    invalid('rate', 'a positive number of operations per second', text);
  }
  return value;
}

/** "3:1" reads to writes. */
export function parseRatio(text: string): { reads: number; writes: number } {
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  const reads = Number(match?.[1]);
  const writes = Number(match?.[2]);
  if (!match || reads + writes === 0 || reads + writes > 1_000_000) {
    invalid('ratio', 'reads:writes such as 3:1 (not both zero)', text);
  }
  return { reads, writes };
}

function identifier(flag: string, text: string): string {
  if (!IDENTIFIER.test(text))
    invalid(flag, 'a letter then letters, digits or _ (at most 48)', text);
  return text;
}

export function resolveBenchOptions(
  workload: string,
  raw: RawBenchOptions,
  env: Record<string, string | undefined> = process.env,
): BenchPlan {
  workloadByName(workload);
  if (raw.duration !== undefined && raw.count !== undefined) {
    throw new ConfigError('--duration and --count cannot be given together: choose one', {
      details: { option: 'duration' },
    });
  }
  const connection = resolveConnectionArgs(raw, env);
  const count = raw.count === undefined ? undefined : parseCount(raw.count, 'count', 1);
  const durationUs =
    count === undefined ? parseDuration(raw.duration ?? DEFAULTS.duration, 'duration') : undefined;
  if (durationUs !== undefined && durationUs <= 0)
    invalid('duration', 'longer than 0', raw.duration!);
  const workers = parseCount(raw.workers ?? String(defaultWorkers()), 'workers', 1, 256);
  const concurrency = parseCount(
    raw.concurrency ?? String(DEFAULTS.concurrency),
    'concurrency',
    1,
    1_000_000,
  );
  if (concurrency < workers) {
    throw new ConfigError(
      `--concurrency ${concurrency} is less than --workers ${workers}: each worker needs at least one operation in flight`,
      { details: { option: 'concurrency' } },
    );
  }
  const valueType = raw.valueType ?? DEFAULTS.valueType;
  if (valueType !== 'blob' && valueType !== 'text')
    invalid('value-type', 'blob or text', valueType);
  return {
    workload,
    connection,
    workloadOptions: {
      keyspace: identifier('keyspace', raw.keyspace ?? DEFAULTS.keyspace),
      table: raw.table === undefined ? undefined : identifier('table', raw.table),
      replicationFactor: parseCount(raw.rf ?? String(DEFAULTS.rf), 'rf', 1, 32),
      dataCenter: connection.localDataCenter ?? 'datacenter1',
      valueSize: parseCount(raw.valueSize ?? String(DEFAULTS.valueSize), 'value-size', 0, 16 << 20),
      valueType,
      seed: parseCount(raw.seed ?? String(DEFAULTS.seed), 'seed', 0, 0xffff_ffff),
      keys: parseCount(raw.keys ?? String(DEFAULTS.keys), 'keys', 1),
      rowsPerPartition: parseCount(
        raw.rowsPerPartition ?? String(DEFAULTS.rowsPerPartition),
        'rows-per-partition',
        1,
      ),
      ratio: parseRatio(raw.ratio ?? DEFAULTS.ratio),
      consistency: connection.consistency,
    },
    rate: raw.rate === undefined ? undefined : parseRate(raw.rate),
    durationUs,
    count,
    warmupUs: parseDuration(raw.warmup ?? DEFAULTS.warmup, 'warmup'),
    concurrency,
    workers,
    reportPath: raw.report,
    htmlPath: raw.html,
  };
}

/** One worker per core, but at most 4: a client saturates a small cluster well before that. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}
