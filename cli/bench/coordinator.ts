/**
 * The coordinator of `sluice bench`: sets the schema up, splits the run across workers,
 * runs them, and merges what they measured into one report.
 */
import { createRequire } from 'node:module';
import type { BenchWorkerSpec } from './bench-worker.ts';
import { connect, describeConnection } from './connection.ts';
import { type BenchMeasurements, mergeResults } from './merge.ts';
import type { BenchPlan } from './options.ts';
import type { WorkerResult } from './recorder.ts';
import { shareOf } from './schedule.ts';
import type { Progress } from './session.ts';
import { runOnThreads } from './threads.ts';
import { workloadByName } from './workloads/registry.ts';

export interface BenchReport extends BenchMeasurements {
  tool: string;
  workload: string;
  mode: 'fixed-rate' | 'max-throughput';
  startedAt: string;
  settings: ReturnType<typeof describeSettings>;
  /** Things a reader of the figures should know, such as a keyspace's differing RF. */
  notes: string[];
}

export interface BenchHooks {
  signal?: AbortSignal | undefined;
  /** Called about once a second while the measured run goes on. */
  onProgress?: ((elapsedSeconds: number, progress: Progress) => void) | undefined;
}

const VERSION: string = createRequire(import.meta.url)('../../package.json').version;

/** Creates the keyspace and table the workload needs; returns notes for the report. */
export async function setUpSchema(plan: BenchPlan): Promise<string[]> {
  const workload = workloadByName(plan.workload);
  const client = await connect(plan.connection);
  try {
    // One at a time: the table needs its keyspace, and the driver waits for schema agreement.
    for (const statement of workload.schema(plan.workloadOptions)) await client.execute(statement);
    const { keyspace, dataCenter, replicationFactor } = plan.workloadOptions;
    const result = await client.execute(
      'SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    );
    const replication = result.first()?.get('replication') as Record<string, string> | undefined;
    const actual = Number(replication?.[dataCenter] ?? replication?.replication_factor);
    return actual === replicationFactor
      ? []
      : [
          `keyspace ${keyspace} already existed with replication ${JSON.stringify(replication)}; ` +
            `--rf ${replicationFactor} applies only to a keyspace this run creates`,
        ];
  } finally {
    await client.shutdown();
  }
}

/** The per-worker specs: worker w takes operations w, w + W, … of the one schedule. */
export function workerSpecs(plan: BenchPlan): BenchWorkerSpec[] {
  return Array.from({ length: plan.workers }, (_, worker) => ({
    workload: plan.workload,
    workloadOptions: plan.workloadOptions,
    connection: plan.connection,
    loop: {
      warmupUs: plan.warmupUs,
      durationUs: plan.durationUs,
      count: plan.count === undefined ? undefined : shareOf(plan.count, worker, plan.workers),
      concurrency: shareOf(plan.concurrency, worker, plan.workers),
      rate: plan.rate,
      worker,
      workers: plan.workers,
    },
  }));
}

export async function runBench(plan: BenchPlan, hooks: BenchHooks = {}): Promise<BenchReport> {
  const notes = await setUpSchema(plan);
  const startedAt = new Date();
  const run = runOnThreads<BenchWorkerSpec, WorkerResult>(
    new URL('./bench-worker.ts', import.meta.url),
    workerSpecs(plan),
    {
      signal: hooks.signal,
      onStart(startAtEpochMs) {
        startedAt.setTime(startAtEpochMs);
        const onProgress = hooks.onProgress;
        if (onProgress === undefined) return;
        const measureStartMs = startAtEpochMs + plan.warmupUs / 1000;
        const timer = setInterval(() => {
          const elapsedSeconds = (Date.now() - measureStartMs) / 1000;
          if (elapsedSeconds > 0) onProgress(elapsedSeconds, run.progress());
        }, 1000);
        // A progress line must never keep the process alive.
        timer.unref();
        run.results.finally(() => clearInterval(timer)).catch(() => undefined);
      },
    },
  );
  const results = await run.results;
  return {
    tool: `sluice ${VERSION}`,
    workload: plan.workload,
    mode: plan.rate === undefined ? 'max-throughput' : 'fixed-rate',
    startedAt: startedAt.toISOString(),
    settings: describeSettings(plan),
    notes,
    ...mergeResults(results),
  };
}

/** The run's settings as a report shows them: the connection without its password. */
export function describeSettings(plan: BenchPlan) {
  const w = plan.workloadOptions;
  return {
    rate: plan.rate,
    durationSeconds: plan.durationUs === undefined ? undefined : plan.durationUs / 1e6,
    count: plan.count,
    warmupSeconds: plan.warmupUs / 1e6,
    concurrency: plan.concurrency,
    workers: plan.workers,
    keyspace: w.keyspace,
    table: workloadByName(plan.workload).table(w),
    replicationFactor: w.replicationFactor,
    consistency: w.consistency,
    valueSize: w.valueSize,
    valueType: w.valueType,
    seed: w.seed,
    keys: w.keys,
    rowsPerPartition: w.rowsPerPartition,
    ratio: `${w.ratio.reads}:${w.ratio.writes}`,
    connection: describeConnection(plan.connection),
  };
}
