/**
 * The wire types between the main thread and the workers. Records never travel here: only
 * the plan, channel handles (SharedArrayBuffers, shared and not copied), control calls over
 * comlink, and at the end each actor's outcome (with a collect sink's records).
 */

import type { MessagePort } from 'node:worker_threads';
import type { ChannelHandle } from '../channel/types.ts';
import type { NodeDescription } from '../graph/fingerprint.ts';
import type { ActorPlan } from '../graph/planner.ts';
import type { Params } from '../graph/types.ts';
import type { ActorSample } from '../metrics/types.ts';

/** The piscina task that hosts one actor for the life of the job. */
export interface DeployRequest {
  jobUrl: string;
  params: Params;
  /** The main thread's description of the graph, to check the worker's against. */
  graph: NodeDescription[];
  actor: ActorPlan;
  /** What each routing sink's `partitioner.prepare()` returned on the main thread, by node index. */
  prepared: Record<number, unknown>;
  /** Handles of the actor's input and output channels, by channel id. */
  channels: Record<number, ChannelHandle>;
  /** comlink endpoint for `ActorControl`. */
  port: MessagePort;
}

/** What the main thread may ask of a deployed actor, over comlink. */
export interface ActorControl {
  /** Resolves once the actor is open (job imported, fingerprint checked, channels attached). */
  deployed(): Promise<void>;
  /** `atEpochMs`: the job's start instant, the same for every actor (see `SourceReader.start`). */
  start(atEpochMs: number): void;
  /** Sources end their input after the batch they are reading; the rest of the job finishes. */
  drain(): void;
  cancel(): void;
  sample(): ActorSample | undefined;
}

/** piscina's `workerData`, the same for every worker of a job. */
export interface WorkerData {
  /** Lets each worker start importing the job module as it boots. */
  jobUrl: string;
  /**
   * One Int32 per worker slot: a worker stores its exit code in its slot as its thread exits,
   * so the main thread can name it (piscina reports the exit only as text).
   */
  exitCodes: SharedArrayBuffer;
}

/** A slot of `exitCodes` whose worker has not exited. */
export const NO_EXIT_CODE = -0x8000_0000;
