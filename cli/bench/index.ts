export { type LatencySummary, summarize } from '../../runtime/metrics/histogram.ts';
export type { BenchWorkerSpec } from './bench-worker.ts';
export { default as prepareBenchWorker } from './bench-worker.ts';
export { type Clock, systemClock } from './clock.ts';
export {
  type BenchHooks,
  type BenchReport,
  describeSettings,
  runBench,
  setUpSchema,
  workerSpecs,
} from './coordinator.ts';
export { type LoopPlan, type OperationSource, runLoop } from './loop.ts';
export { type BenchMeasurements, mergeResults } from './merge.ts';
export { type BenchPlan, type RawBenchOptions, resolveBenchOptions } from './options.ts';
export type { WorkerResult } from './recorder.ts';
export { formatSummary } from './report/console.ts';
export { renderHtml, writeHtmlReport } from './report/html.ts';
export { toJson, writeJsonReport } from './report/json.ts';
export { RateSchedule } from './schedule.ts';
export type { PrepareWorker, Progress, WorkerSession } from './session.ts';
export { runOnThreads } from './threads.ts';
export { WORKLOADS, workloadByName } from './workloads/registry.ts';
export type { Workload, WorkloadOptions } from './workloads/types.ts';
