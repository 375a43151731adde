/**
 * The contract of a benchmark's per-worker part, whatever hosts it (a worker thread today,
 * a runtime actor later): prepare everything that should not be measured, then run when the
 * coordinator says so, then release what it holds.
 */

export interface Progress {
  ops: number;
  errors: number;
}

export interface WorkerSession<Result> {
  /**
   * Runs the measured work. `startAtEpochMs` is a wall-clock instant shared by all workers,
   * so their schedules line up; aborting `signal` ends the run early with what was measured.
   */
  run(startAtEpochMs: number, signal: AbortSignal): Promise<Result>;
  /** Cumulative counters while running; read from the same thread as `run`. */
  progress(): Progress;
  close(): Promise<void>;
}

/** The default export of a module that `runOnThreads` hosts. */
export type PrepareWorker<Spec, Result> = (spec: Spec) => Promise<WorkerSession<Result>>;
