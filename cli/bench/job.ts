/**
 * The job behind `sluice bench`: on every worker, a source of operations (the `Pacer`: at a
 * fixed rate, or as many as may be in flight) chained to an executor sink (the `Executor`:
 * runs them against the workload's session, at most `concurrency` at a time, and records
 * latencies). Chained, an operation passes from one to the other by a function call, on the
 * thread that sends it; instance w of W takes operations w, w + W, … of the one schedule.
 *
 * Every instance paces itself from the job's start instant, the same for all, so the
 * workers' schedules interleave into one stream at the asked rate. Each executor hands back
 * its `WorkerResult` as its sink result; `drain()` ends the schedule early and the operations
 * in flight still complete and count.
 */

import { connect } from '../../connectors/cassandra/client.ts';
import { type ConnectionOptions, resolveConnection } from '../../connectors/cassandra/config.ts';
import { pipeline } from '../../operators/pipeline.ts';
import type {
  InstanceContext,
  Sink,
  SinkWriter,
  Source,
  SourceReader,
} from '../../runtime/graph/connector.ts';
import type { JobDefinition } from '../../runtime/graph/job-module.ts';
import { monotonicFromEpochMs, systemClock } from './clock.ts';
import { Executor, type LoopPlan, type Operation, type OperationSource, Pacer } from './loop.ts';
import type { WorkerResult } from './recorder.ts';
import { shareOf } from './schedule.ts';
import { workloadByName } from './workloads/registry.ts';
import type { WorkloadOptions } from './workloads/types.ts';

/** The run as a whole; each instance takes its share. */
export interface RunShape {
  warmupUs: number;
  durationUs: number | undefined;
  /** Measured operations of the whole run. */
  count: number | undefined;
  /** Operations in flight across all workers. */
  concurrency: number;
  rate: number | undefined;
  /** Instances of the source and of the executor: one per worker. */
  workers: number;
}

export type BenchJobParams = {
  workload: string;
  workloadOptions: WorkloadOptions;
  /** Plain data: the password crosses to the workers here, and goes no further. */
  connection: ConnectionOptions;
  run: RunShape;
};

/** A workload bound to one instance's connection. */
export interface OpenWorkload {
  source: OperationSource;
  close(): Promise<void>;
}

/** Instance `ctx.instance`'s part of the run, on this thread's clock. */
export function instancePlan(
  run: RunShape,
  ctx: InstanceContext,
  startAtEpochMs: number,
): LoopPlan {
  const { instance, parallelism } = ctx;
  return {
    startUs: monotonicFromEpochMs(startAtEpochMs),
    warmupUs: run.warmupUs,
    durationUs: run.durationUs,
    count: run.count === undefined ? undefined : shareOf(run.count, instance, parallelism),
    concurrency: shareOf(run.concurrency, instance, parallelism),
    rate: run.rate,
    worker: instance,
    workers: parallelism,
  };
}

function operations(run: RunShape): Source<Operation> {
  return {
    name: run.rate === undefined ? 'operations(max)' : `operations(${run.rate}/s)`,
    open(ctx): SourceReader<Operation> {
      let pacer: Pacer | undefined;
      let isStopped = false;
      return {
        start(atEpochMs) {
          pacer = new Pacer(instancePlan(run, ctx, atEpochMs), systemClock);
          if (isStopped) pacer.stop();
        },
        next: () => pacer?.next() ?? Promise.resolve(null),
        stop() {
          isStopped = true;
          pacer?.stop();
        },
        async close() {
          pacer?.stop();
        },
      };
    },
  };
}

function executor<P extends BenchJobParams>(
  params: P,
  open: (params: P, ctx: InstanceContext) => Promise<OpenWorkload>,
): Sink<Operation> {
  return {
    name: `executor(${params.workload})`,
    async createWriter(ctx): Promise<SinkWriter<Operation>> {
      const workload = await open(params, ctx);
      let running: Executor | undefined;
      let result: WorkerResult | undefined;
      return {
        start(atEpochMs) {
          running = new Executor(
            instancePlan(params.run, ctx, atEpochMs),
            workload.source,
            systemClock,
          );
        },
        write: (op) => running!.issue(op),
        async flush() {
          await running?.idle();
        },
        close: () => workload.close(),
        result() {
          // Whether the run was interrupted is the coordinator's to say (it drained the job).
          result ??= running?.recorder.finish(ctx.instance, false);
          return result;
        },
        stats: () => running?.recorder.progress() ?? { ops: 0, errors: 0 },
      };
    },
  };
}

/** The bench job over any workload opener: the Cassandra one below, a simulated one in tests. */
export function benchJob<P extends BenchJobParams>(
  open: (params: P, ctx: InstanceContext) => Promise<OpenWorkload>,
): JobDefinition<P> {
  return pipeline<P>((p, params) => {
    const { workers } = params.run;
    p.from(operations(params.run))
      .parallelism(workers)
      .to(executor(params, open), { parallelism: workers });
  });
}

/**
 * One driver client per instance (one per worker), token-aware, connected while the job
 * deploys: connecting and preparing statements is not measured.
 */
async function openCassandra(params: BenchJobParams): Promise<OpenWorkload> {
  const workload = workloadByName(params.workload);
  const client = await connect(resolveConnection(params.connection), { retries: 'driver' });
  try {
    const source = await workload.open(client, params.workloadOptions);
    return { source, close: () => client.shutdown() };
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw error;
  }
}

export default benchJob<BenchJobParams>(openCassandra);
