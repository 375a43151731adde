/**
 * Worker-thread side: the piscina task that hosts one actor. It imports the job module (once
 * per worker and parameters), checks the graph against the planner's, opens the actor, waits
 * for `start`, runs it to the end, and returns its outcome. It never throws: failures are
 * outcomes, because an Error loses its class and fields when piscina sends it back.
 */

import { threadId, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { serializeError } from '../errors.ts';
import { checkFingerprint } from '../graph/fingerprint.ts';
import { loadJob } from '../graph/job-module.ts';
import type { LogicalGraph } from '../graph/types.ts';
import { emptySample } from '../metrics/job.ts';
import { Actor, type ActorOutcome } from './actor.ts';
import { openReader, openWriter } from './endpoints.ts';
import type { ActorControl, DeployRequest, WorkerData } from './protocol.ts';

const data = workerData as WorkerData | undefined;

// Start importing the job module now, while the main thread plans; the import in `graphFor`
// then finds it in the module cache. Its errors are reported there, with context.
if (data !== undefined) import(data.jobUrl).catch(() => {});

let isReportingExit = false;

/** Once this thread knows its slot: store its exit code there as it exits (`process.exit`). */
function reportExitCodeAs(slot: number): void {
  if (isReportingExit || data === undefined) return;
  isReportingExit = true;
  const exitCodes = new Int32Array(data.exitCodes);
  // The main thread reads the slot after piscina saw the thread exit, which is after this.
  process.on('exit', (code) => Atomics.store(exitCodes, slot, code));
}

/** Graphs built on this worker, by job URL and parameters: one import, one build per job. */
const graphs = new Map<string, Promise<LogicalGraph>>();

function graphFor(request: DeployRequest, where: string): Promise<LogicalGraph> {
  const key = `${request.jobUrl}\n${JSON.stringify(request.params)}`;
  let graph = graphs.get(key);
  if (graph === undefined) {
    graph = loadJob(request.jobUrl, request.params, where);
    graphs.set(key, graph);
    // A failed import must not stick: the next job may have fixed the module.
    graph.catch(() => graphs.delete(key));
  }
  return graph;
}

export default async function hostActor(request: DeployRequest): Promise<ActorOutcome> {
  reportExitCodeAs(request.actor.worker);
  let actor: Actor | undefined;
  let isStarted = false;
  let isCancelled = false;
  let startAtEpochMs = 0;
  let isDraining = false;
  let markDeployed!: () => void;
  const deployed = new Promise<void>((resolve) => (markDeployed = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));

  const control: ActorControl = {
    deployed: () => deployed,
    start(atEpochMs) {
      isStarted = true;
      startAtEpochMs = atEpochMs;
      release();
    },
    drain() {
      isDraining = true;
      actor?.drain();
    },
    cancel() {
      isCancelled = true;
      actor?.cancel();
      release();
    },
    sample: () => actor?.sample(),
  };
  // Node's MessagePort has the EventTarget methods comlink calls.
  Comlink.expose(control, request.port as unknown as Comlink.Endpoint);

  const where = `worker ${request.actor.worker} (thread ${threadId})`;
  try {
    try {
      const graph = await graphFor(request, where);
      checkFingerprint(request.jobUrl, where, request.graph, graph);
      actor = new Actor({
        graph,
        plan: request.actor,
        worker: request.actor.worker,
        prepared: request.prepared,
        openReader: (channel) => openReader(request.channels[channel]!),
        openWriter: (channel) => openWriter(request.channels[channel]!),
      });
      await actor.open();
    } catch (error) {
      if (actor !== undefined) return await actor.failWith(error);
      return {
        status: 'failed',
        error: serializeError(error),
        sample: emptySample(request.actor, 'failed'),
      };
    }
    markDeployed();
    await released;
    if (isCancelled || !isStarted) actor.cancel();
    if (isDraining) actor.drain();
    return await actor.run(startAtEpochMs);
  } finally {
    request.port.close();
  }
}
