/**
 * The measuring loop of one worker: issue operations at a fixed rate or as fast as the
 * concurrency limit allows, and record their latencies.
 *
 * One dispatcher issues operations in schedule order and keeps at most `concurrency` in
 * flight. With a rate, operation j is due at its intended start (see `RateSchedule`); when
 * every slot is taken or the server stalls, later operations are sent late and their latency
 * still counts from their intended start. Without a rate the intended start is the send.
 *
 * The loop knows nothing of Cassandra or threads: a runtime actor, a worker thread or a test
 * with a simulated clock can run it.
 */
import type { Clock } from './clock.ts';
import { Recorder, type WorkerResult } from './recorder.ts';
import { RateSchedule } from './schedule.ts';

/** What the loop runs: a workload bound to a session. */
export interface OperationSource {
  /** Operation kinds reported apart, such as ["read", "write"]. */
  readonly kinds: readonly string[];
  /** The kind (index into `kinds`) of operation `seq`. */
  kindOf(seq: number): number;
  /** Runs operation `seq`; resolves `false` when a read found no row. */
  execute(seq: number): Promise<boolean>;
}

export interface LoopPlan {
  /** Clock µs at which the warmup (or, without warmup, the measured phase) begins. */
  startUs: number;
  warmupUs: number;
  /** The measured phase lasts this long; exclusive with `count`. */
  durationUs?: number | undefined;
  /** This worker's measured operations; exclusive with `durationUs`. */
  count?: number | undefined;
  /** This worker's operations in flight at most. */
  concurrency: number;
  /** Operations per second for the whole run (all workers); absent for maximum throughput. */
  rate?: number | undefined;
  worker: number;
  workers: number;
}

export interface LoopHooks {
  /** Aborting stops issuing operations; those in flight finish and are recorded. */
  signal?: AbortSignal | undefined;
  /** Called once with the recorder, so a caller can read progress while the loop runs. */
  onRecorder?: ((recorder: Recorder) => void) | undefined;
}

export async function runLoop(
  plan: LoopPlan,
  source: OperationSource,
  clock: Clock,
  hooks: LoopHooks = {},
): Promise<WorkerResult> {
  const { signal } = hooks;
  const measureStartUs = plan.startUs + plan.warmupUs;
  const endUs =
    plan.durationUs === undefined ? Number.POSITIVE_INFINITY : measureStartUs + plan.durationUs;
  const recorder = new Recorder(source.kinds, measureStartUs);
  hooks.onRecorder?.(recorder);
  const schedule =
    plan.rate === undefined
      ? undefined
      : new RateSchedule(plan.startUs, plan.rate, plan.worker, plan.workers);

  let inFlight = 0;
  // Set while the dispatcher waits for a free slot or for the last operations to finish.
  let onRelease: (() => void) | undefined;

  const issue = (seq: number, intendedUs: number, isWarmup: boolean): void => {
    const kind = source.kindOf(seq);
    inFlight++;
    const sentUs = clock.now();
    let pending: Promise<boolean>;
    try {
      pending = source.execute(seq);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (found) => {
        if (isWarmup) recorder.recordWarmup();
        else recorder.recordSuccess(kind, intendedUs, sentUs, clock.now(), found === false);
        release();
      },
      (error: unknown) => {
        if (isWarmup) recorder.recordWarmup();
        else recorder.recordError(kind, clock.now(), error);
        release();
      },
    );
  };

  const release = (): void => {
    inFlight--;
    const wake = onRelease;
    onRelease = undefined;
    wake?.();
  };

  const released = () => new Promise<void>((resolve) => (onRelease = resolve));

  let isInterrupted = false;
  let measuredIssued = 0;
  try {
    await clock.sleepUntil(plan.startUs, signal);
    for (let j = 0; ; ) {
      if (signal?.aborted) {
        isInterrupted = true;
        break;
      }
      if (plan.count !== undefined && measuredIssued >= plan.count) break;
      if (inFlight >= plan.concurrency) {
        await released();
        continue;
      }
      let intendedUs: number;
      if (schedule === undefined) {
        intendedUs = clock.now();
        if (intendedUs >= endUs) break;
      } else {
        intendedUs = schedule.intendedStart(j);
        if (intendedUs >= endUs) break;
        if (clock.now() < intendedUs) await clock.sleepUntil(intendedUs, signal);
      }
      const isWarmup = plan.warmupUs > 0 && intendedUs < measureStartUs;
      if (!isWarmup) measuredIssued++;
      issue(plan.worker + j * plan.workers, intendedUs, isWarmup);
      j++;
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
    isInterrupted = true;
  }
  while (inFlight > 0) await released();
  return recorder.finish(plan.worker, isInterrupted);
}
