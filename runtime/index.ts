export type {
  ProcessContext,
  ProcessFunction,
  ProcessTimers,
  ValueState,
} from '../operators/process.ts';
export type { Aggregator } from '../operators/reduce.ts';
export { OutputTag, type Rejected } from '../operators/types.ts';
export {
  type JobEvents,
  JobHandle,
  type JobResult,
  type RunOptions,
  run,
  type SinkResult,
} from './actor/job.ts';
export * from './errors.ts';
export type * from './graph/connector.ts';
export { type JobDefinition, pipeline } from './graph/pipeline.ts';
export { describePlan, type PhysicalPlan } from './graph/planner.ts';
export {
  DataStream,
  KeyedStream,
  type OperatorOptions,
  PipelineBuilder,
  type RejectingOptions,
} from './graph/stream.ts';
export type { Params, ReplicaRoute } from './graph/types.ts';
export type { ActorStats, EdgeStats, JobStats } from './metrics/types.ts';
