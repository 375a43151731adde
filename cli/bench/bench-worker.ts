/**
 * The per-worker part of `sluice bench`: connect, prepare the workload, run the measuring
 * loop on the shared schedule, hand back plain results. Nothing here knows about threads.
 */
import type { Client } from 'cassandra-driver';
import { monotonicFromEpochMs, systemClock } from './clock.ts';
import { type ConnectionSettings, connect } from './connection.ts';
import { type LoopPlan, runLoop } from './loop.ts';
import type { Recorder, WorkerResult } from './recorder.ts';
import type { Progress, WorkerSession } from './session.ts';
import { workloadByName } from './workloads/registry.ts';
import type { WorkloadOptions } from './workloads/types.ts';

/** Plain data; the password in `connection` crosses to the worker and no further. */
export interface BenchWorkerSpec {
  workload: string;
  workloadOptions: WorkloadOptions;
  connection: ConnectionSettings;
  /** Everything the loop needs except the start instant, which comes with `run`. */
  loop: Omit<LoopPlan, 'startUs'>;
}

export default async function prepareBenchWorker(
  spec: BenchWorkerSpec,
): Promise<WorkerSession<WorkerResult>> {
  const workload = workloadByName(spec.workload);
  const client: Client = await connect(spec.connection);
  try {
    const source = await workload.open(client, spec.workloadOptions);
    let recorder: Recorder | undefined;
    return {
      run(startAtEpochMs, signal) {
        const plan: LoopPlan = { ...spec.loop, startUs: monotonicFromEpochMs(startAtEpochMs) };
        return runLoop(plan, source, systemClock, {
          signal,
          onRecorder: (r) => (recorder = r),
        });
      },
      progress: (): Progress => recorder?.progress() ?? { ops: 0, errors: 0 },
      close: () => client.shutdown(),
    };
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw error;
  }
}
