/**
 * The measuring loop of one worker, in two halves that a runtime actor chains: the `Pacer`
 * says which operations are due (the source of the bench job), the `Executor` runs them with
 * at most `concurrency` in flight and records their latencies (its sink).
 *
 * With a rate, operation j is due at its intended start (see `RateSchedule`); the pacer hands
 * over every operation already due, so when every slot is taken or the server stalls, later
 * operations are sent late and their latency still counts from their intended start. Without
 * a rate the intended start is the send.
 *
 * `runLoop` drives the two halves as an actor does (take a batch, issue each operation,
 * wait while the executor is full), on any clock: the tests run it on a simulated one.
 * Nothing here knows about Cassandra or threads.
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

/** One operation to run: plain data, the record between the pacer and the executor. */
export interface Operation {
  /** The run-wide sequence number: it picks the key and the value. */
  seq: number;
  /** Clock µs at which it should start; undefined without a rate (it starts when sent). */
  intendedUs: number | undefined;
  isWarmup: boolean;
}

/** Most operations one `next()` hands over: a batch the actor takes without yielding. */
const MAX_BATCH = 1024;

function endOf(plan: LoopPlan): number {
  return plan.durationUs === undefined
    ? Number.POSITIVE_INFINITY
    : plan.startUs + plan.warmupUs + plan.durationUs;
}

/** The source half: which operations are due, in schedule order. */
export class Pacer {
  readonly #plan: LoopPlan;
  readonly #clock: Clock;
  readonly #schedule: RateSchedule | undefined;
  readonly #endUs: number;
  readonly #measureStartUs: number;
  readonly #stopped = new AbortController();
  /** This worker's operations handed over so far. */
  #j = 0;
  #measuredIssued = 0;

  constructor(plan: LoopPlan, clock: Clock) {
    this.#plan = plan;
    this.#clock = clock;
    this.#endUs = endOf(plan);
    this.#measureStartUs = plan.startUs + plan.warmupUs;
    this.#schedule =
      plan.rate === undefined
        ? undefined
        : new RateSchedule(plan.startUs, plan.rate, plan.worker, plan.workers);
  }

  get isStopped(): boolean {
    return this.#stopped.signal.aborted;
  }

  /** Ends the run early: a pending or later `next()` resolves `null`. */
  stop(): void {
    this.#stopped.abort(new Error('stopped'));
  }

  /**
   * The operations due now (waiting for the first one if none is), or `null` at the end.
   * Without a rate, up to `concurrency` operations: as many as may be in flight.
   */
  async next(): Promise<Operation[] | null> {
    const plan = this.#plan;
    if (!(await this.#sleepUntil(plan.startUs))) return null;
    if (this.#isDone()) return null;
    const batch: Operation[] = [];
    if (this.#schedule === undefined) {
      const nowUs = this.#clock.now();
      if (nowUs >= this.#endUs) return null;
      const isWarmup = plan.warmupUs > 0 && nowUs < this.#measureStartUs;
      while (batch.length < plan.concurrency && !this.#isDone()) {
        batch.push(this.#take(undefined, isWarmup));
      }
      return batch;
    }
    const first = this.#schedule.intendedStart(this.#j);
    if (first >= this.#endUs) return null;
    if (!(await this.#sleepUntil(first))) return null;
    // A clock may wake a hair before the instant (see systemClock): the first is due anyway.
    const nowUs = Math.max(this.#clock.now(), first);
    while (batch.length < MAX_BATCH && !this.#isDone()) {
      const intendedUs = this.#schedule.intendedStart(this.#j);
      if (intendedUs >= this.#endUs || intendedUs > nowUs) break;
      batch.push(this.#take(intendedUs, plan.warmupUs > 0 && intendedUs < this.#measureStartUs));
    }
    return batch;
  }

  #isDone(): boolean {
    const { count } = this.#plan;
    return this.isStopped || (count !== undefined && this.#measuredIssued >= count);
  }

  #take(intendedUs: number | undefined, isWarmup: boolean): Operation {
    if (!isWarmup) this.#measuredIssued++;
    const plan = this.#plan;
    const op = { seq: plan.worker + this.#j * plan.workers, intendedUs, isWarmup };
    this.#j++;
    return op;
  }

  /** False when stopped meanwhile. */
  async #sleepUntil(atUs: number): Promise<boolean> {
    if (this.isStopped) return false;
    if (this.#clock.now() < atUs) {
      try {
        await this.#clock.sleepUntil(atUs, this.#stopped.signal);
      } catch (error) {
        if (!this.isStopped) throw error;
      }
    }
    return !this.isStopped;
  }
}

/** The sink half: runs operations, at most `concurrency` at a time, and records them. */
export class Executor {
  readonly #source: OperationSource;
  readonly #clock: Clock;
  readonly #concurrency: number;
  readonly #endUs: number;
  readonly recorder: Recorder;
  #inFlight = 0;
  /** Set while the caller waits for a free slot (or for the last operations). */
  #onRelease: (() => void) | undefined;

  constructor(plan: LoopPlan, source: OperationSource, clock: Clock) {
    this.#source = source;
    this.#clock = clock;
    this.#concurrency = plan.concurrency;
    this.#endUs = endOf(plan);
    this.recorder = new Recorder(source.kinds, plan.startUs + plan.warmupUs);
  }

  /**
   * Sends `op` now. Returns a promise when every slot is taken: the caller waits for it before
   * the next operation. Without a rate, an operation that reaches here after the end of the
   * measured time is not sent: the pacer handed over a batch just before the end.
   */
  issue(op: Operation): Promise<void> | undefined {
    const sentUs = this.#clock.now();
    if (op.intendedUs === undefined && sentUs >= this.#endUs) return undefined;
    const intendedUs = op.intendedUs ?? sentUs;
    const kind = this.#source.kindOf(op.seq);
    const recorder = this.recorder;
    this.#inFlight++;
    let pending: Promise<boolean>;
    try {
      pending = this.#source.execute(op.seq);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (found) => {
        if (op.isWarmup) recorder.recordWarmup();
        else recorder.recordSuccess(kind, intendedUs, sentUs, this.#clock.now(), found === false);
        this.#release();
      },
      (error: unknown) => {
        if (op.isWarmup) recorder.recordWarmup();
        else recorder.recordError(kind, this.#clock.now(), error);
        this.#release();
      },
    );
    return this.#inFlight >= this.#concurrency ? this.#released() : undefined;
  }

  /** Resolves once nothing is in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight > 0) await this.#released();
  }

  #released(): Promise<void> {
    return new Promise<void>((resolve) => (this.#onRelease = resolve));
  }

  #release(): void {
    this.#inFlight--;
    const wake = this.#onRelease;
    this.#onRelease = undefined;
    wake?.();
  }
}

export interface LoopHooks {
  /** Aborting stops issuing operations; those in flight finish and are recorded. */
  signal?: AbortSignal | undefined;
}

/** Runs both halves to the end on one clock, as an actor chaining them would. */
export async function runLoop(
  plan: LoopPlan,
  source: OperationSource,
  clock: Clock,
  hooks: LoopHooks = {},
): Promise<WorkerResult> {
  const pacer = new Pacer(plan, clock);
  const executor = new Executor(plan, source, clock);
  const onAbort = () => pacer.stop();
  if (hooks.signal?.aborted) pacer.stop();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let batch = await pacer.next(); batch !== null; batch = await pacer.next()) {
      for (const op of batch) {
        const wait = executor.issue(op);
        if (wait !== undefined) await wait;
      }
    }
    await executor.idle();
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  return executor.recorder.finish(plan.worker, pacer.isStopped);
}
