/**
 * `sluice`: the API users write and run jobs with. Wire helpers and engine internals stay out;
 * test/entry-points.test.ts lists every export, so a change to this surface is seen.
 */
export { pipeline } from './operators/pipeline.ts';
export type {
  ProcessContext,
  ProcessFunction,
  ProcessTimers,
  ValueState,
} from './operators/process.ts';
export type { Aggregator } from './operators/reduce.ts';
export {
  DataStream,
  KeyedStream,
  type OperatorOptions,
  PipelineBuilder,
  type RejectingOptions,
} from './operators/stream.ts';
export { OutputTag, type Rejected } from './operators/types.ts';
export {
  CancelledError,
  ChannelClosedError,
  CodecError,
  ConfigError,
  ConnectorError,
  type ErrorCode,
  GraphMismatchError,
  OperatorFailedError,
  RecordTooLargeError,
  SetupError,
  SluiceError,
  WorkerExitedError,
} from './runtime/errors.ts';
export type * from './runtime/graph/connector.ts';
export type { JobDefinition } from './runtime/graph/job-module.ts';
export { describePlan, type PhysicalPlan } from './runtime/graph/planner.ts';
export type { Params, ReplicaRoute } from './runtime/graph/types.ts';
export {
  type JobEvents,
  JobHandle,
  type JobResult,
  type RunOptions,
  run,
  type SinkResult,
} from './runtime/job/job.ts';
export type { ActorStats, EdgeStats, JobStats } from './runtime/metrics/types.ts';
