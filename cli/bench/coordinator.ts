/**
 * The coordinator of `sluice bench`: sets the schema up, splits the run across workers,
 * runs them, and merges what they measured into one report.
 */
import { createRequire } from 'node:module';
import { connect } from '../../connectors/cassandra/client.ts';
import {
  type ConnectionOptions,
  describeConfig,
  resolveConnection,
} from '../../connectors/cassandra/config.ts';
import { run } from '../../runtime/job/job.ts';
import { resolveTarget, type TargetIo } from '../connection-options.ts';
import type { BenchJobParams } from './job.ts';
import { type BenchMeasurements, mergeResults } from './merge.ts';
import type { BenchPlan } from './options.ts';
import type { WorkerResult } from './recorder.ts';
import { workloadByName } from './workloads/registry.ts';
import type { WorkloadOptions } from './workloads/types.ts';

/** Cumulative counters of the measured phase, summed over the workers. */
export interface Progress {
  ops: number;
  errors: number;
}

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
  /** Where the cluster is found (CASSANDRA_CONTACT_POINTS) and notes about it go. */
  io?: TargetIo | undefined;
}

const BENCH_JOB = new URL('./job.ts', import.meta.url);

const VERSION: string = createRequire(import.meta.url)('../../package.json').version;

/**
 * Creates the keyspace and table the workload needs; returns notes for the report. A warning
 * about the connection (a password the cluster does not ask for) is a note too, and goes to
 * `onWarning` at once.
 */
export async function setUpSchema(
  workloadName: string,
  options: WorkloadOptions,
  connection: ConnectionOptions,
  onWarning?: (message: string) => void,
): Promise<string[]> {
  const workload = workloadByName(workloadName);
  const warnings: string[] = [];
  const client = await connect(resolveConnection(connection), {
    retries: 'driver',
    onWarning: (message) => {
      warnings.push(message);
      onWarning?.(message);
    },
  });
  try {
    // One at a time: the table needs its keyspace, and the driver waits for schema agreement.
    for (const statement of workload.schema(options)) await client.execute(statement);
    const { keyspace, dataCenter, replicationFactor } = options;
    const result = await client.execute(
      'SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    );
    const replication = result.first()?.get('replication') as Record<string, string> | undefined;
    const actual = Number(replication?.[dataCenter] ?? replication?.replication_factor);
    return actual === replicationFactor
      ? warnings
      : [
          ...warnings,
          `keyspace ${keyspace} already existed with replication ${JSON.stringify(replication)}; ` +
            `--rf ${replicationFactor} applies only to a keyspace this run creates`,
        ];
  } finally {
    await client.shutdown();
  }
}

/**
 * Runs the bench job (job.ts) on `plan.workers` worker threads and merges what each worker
 * measured. Aborting `hooks.signal` drains the job: no operation is sent after it, those in
 * flight complete and count, and the report says the run was interrupted.
 */
export async function runBench(plan: BenchPlan, hooks: BenchHooks = {}): Promise<BenchReport> {
  const io = hooks.io ?? { env: process.env, stderr: process.stderr };
  const connection = await resolveTarget(plan.connection, io, 'bench');
  const workloadOptions: WorkloadOptions = {
    ...plan.workloadOptions,
    dataCenter: connection.localDataCenter,
  };
  const notes = await setUpSchema(plan.workload, workloadOptions, connection, (message) =>
    io.stderr.write(`[bench] warning: ${message}\n`),
  );
  const params: BenchJobParams = {
    workload: plan.workload,
    workloadOptions,
    connection,
    run: {
      warmupUs: plan.warmupUs,
      durationUs: plan.durationUs,
      count: plan.count,
      concurrency: plan.concurrency,
      rate: plan.rate,
      workers: plan.workers,
    },
  };
  const job = run(BENCH_JOB, { params, workers: plan.workers, progressIntervalMs: 1000 });
  const startedAt = new Date();
  const onAbort = () => job.drain();
  if (hooks.signal?.aborted) job.drain();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  job.once('deployed', () => startedAt.setTime(Date.now()));
  const onProgress = hooks.onProgress;
  if (onProgress !== undefined) {
    job.on('progress', (stats) => {
      const elapsedSeconds = (Date.now() - startedAt.getTime() - plan.warmupUs / 1000) / 1000;
      if (stats.state !== 'running' || elapsedSeconds <= 0) return;
      const progress = { ops: 0, errors: 0 };
      for (const actor of stats.actors) {
        for (const counters of Object.values(actor.sinks) as Progress[]) {
          progress.ops += counters.ops;
          progress.errors += counters.errors;
        }
      }
      onProgress(elapsedSeconds, progress);
    });
  }
  let results: WorkerResult[];
  try {
    const result = await job.result;
    const [executor] = Object.values(result.sinks);
    results = (executor?.instances ?? []) as WorkerResult[];
    for (const r of results) r.isInterrupted = result.isDrained;
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  return {
    tool: `sluice ${VERSION}`,
    workload: plan.workload,
    mode: plan.rate === undefined ? 'max-throughput' : 'fixed-rate',
    startedAt: startedAt.toISOString(),
    settings: describeSettings(plan, workloadOptions, connection),
    notes,
    ...mergeResults(results),
  };
}

/** The run's settings as a report shows them: the connection without its password. */
export function describeSettings(
  plan: BenchPlan,
  w: WorkloadOptions = plan.workloadOptions,
  connection?: ConnectionOptions,
) {
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
    connection: describeConnection(plan, connection),
  };
}

/** What a report may say about the connection: never the password. */
function describeConnection(plan: BenchPlan, connection: ConnectionOptions | undefined) {
  const described =
    connection === undefined ? undefined : describeConfig(resolveConnection(connection));
  return {
    contactPoints:
      (described?.contactPoints as string[] | undefined) ?? plan.connection.hosts ?? [],
    localDataCenter:
      connection?.localDataCenter ?? plan.connection.localDataCenter ?? 'datacenter1',
    username: plan.connection.username,
    hasPassword: plan.connection.password !== undefined,
    tls: plan.connection.tls,
  };
}
