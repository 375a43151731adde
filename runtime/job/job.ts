/**
 * Main-thread side of a job: plan, deploy, start, watch, and stop everything at the end.
 *
 * `run(url)` imports the job module here too (to plan), creates one channel per physical
 * edge, and hands each actor to piscina as a long-lived task on its planned worker. Once
 * every actor is open it starts them all, so no source produces before every consumer is
 * attached and every worker has checked the graph's fingerprint.
 *
 * The first failure (an operator error, a worker exit, a graph mismatch) or a cancel stops
 * the job: surviving actors are cancelled, the channels of a dead worker's actors are
 * aborted so their peers wake up, and the pool is destroyed. The result settles only after
 * every actor has stopped and every thread is gone.
 */

import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { Piscina } from 'piscina';
import type { ActorOutcome } from '../actor/actor.ts';
import {
  type ActorControl,
  type DeployRequest,
  NO_EXIT_CODE,
  type WorkerData,
} from '../actor/protocol.ts';
import { abortChannel, createChannel } from '../channel/index.ts';
import type { ChannelHandle } from '../channel/types.ts';
import {
  CancelledError,
  ConfigError,
  fromSerialized,
  type SerializedError,
  WorkerExitedError,
} from '../errors.ts';
import { describeGraph } from '../graph/fingerprint.ts';
import { loadJob } from '../graph/job-module.ts';
import { checkWorkers, type PhysicalPlan, plan } from '../graph/planner.ts';
import type { LogicalGraph, Params } from '../graph/types.ts';
import { emptySample, summarize } from '../metrics/job.ts';
import type { ActorSample, JobState, JobStats } from '../metrics/types.ts';
import { placeOn, slotBalancer } from './placement.ts';

/** How far ahead of now the job's start instant is set; sources that pace themselves wait for it. */
const START_LEAD_MS = 20;

const workerFile = new URL('../actor/worker-bootstrap.mjs', import.meta.url).href;

/**
 * What a failure is to the job. When several happen, the job reports the one whose kind comes
 * first here: the root cause beats the cancel that may follow it, and both beat the channel
 * aborts they cause in other actors.
 */
const FAILURE_PRECEDENCE = [
  /** An actor's own failure: an operator threw, a worker exited, a module built another graph. */
  'cause',
  /** A worker thread failed outside any actor's task. */
  'worker',
  /** `cancel()`. */
  'cancel',
  /** A channel closed or aborted under an actor, because its peer stopped. */
  'consequence',
] as const;

type FailureKind = (typeof FAILURE_PRECEDENCE)[number];

function precedes(a: FailureKind, b: FailureKind | undefined): boolean {
  return b === undefined || FAILURE_PRECEDENCE.indexOf(a) < FAILURE_PRECEDENCE.indexOf(b);
}

export interface RunOptions {
  /** Plain data handed to the job module's builder on every thread. */
  params?: Params;
  /** Worker threads; default: one per core. */
  workers?: number;
  /** Interval of `progress` events; default 1000 ms, 0 for none. */
  progressIntervalMs?: number;
  /** Segment size and count of every channel. */
  segmentSize?: number;
  segmentCount?: number;
  /** Per-worker heap limits, as worker_threads' `resourceLimits`. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

export interface SinkResult {
  operatorId: string;
  /** Each instance's `SinkWriter.result()`, by instance index. */
  instances: unknown[];
}

export interface JobResult {
  /** By sink operator id ("collect#4"). */
  sinks: Record<string, SinkResult>;
  /** True when `drain()` ended the sources before the end of their input. */
  isDrained: boolean;
  metrics: JobStats;
}

export interface JobEvents {
  deployed: [plan: PhysicalPlan];
  progress: [stats: JobStats];
}

interface RunningActor {
  plan: PhysicalPlan['actors'][number];
  remote: Comlink.Remote<ActorControl>;
  port: MessagePort;
  outcome: Promise<ActorOutcome>;
  final: ActorOutcome | undefined;
  /** `stats()` calls waiting for this actor's sample; its outcome answers them all. */
  sampleWaiters: Set<(sample: ActorSample | undefined) => void>;
}

export class JobHandle extends EventEmitter<JobEvents> {
  /** Settles once every actor stopped and the worker threads are gone. */
  readonly result: Promise<JobResult>;
  private state: JobState = 'deploying';
  private readonly startedAt = Date.now();
  private physical: PhysicalPlan | undefined;
  private graph: LogicalGraph | undefined;
  private actors: RunningActor[] = [];
  private handles: ChannelHandle[] = [];
  private previous = new Map<string, ActorSample>();
  private failure: unknown;
  private failureKind: FailureKind | undefined;
  /** Each worker slot's exit code, stored by the worker as it exits (see WorkerData). */
  private exitCodes = new Int32Array(new SharedArrayBuffer(0));
  private isStopping = false;
  private isDraining = false;
  private wakeStop: () => void = () => {};
  private readonly stopRequested = new Promise<void>((resolve) => (this.wakeStop = resolve));

  constructor(
    private readonly jobUrl: string,
    private readonly options: RunOptions,
  ) {
    super();
    this.result = this.execute();
    // The caller may only listen to events; an unobserved rejection must not crash it.
    this.result.catch(() => {});
  }

  get plan(): PhysicalPlan | undefined {
    return this.physical;
  }

  /** Stop the job; `result` rejects with a cancellation error once everything stopped. */
  async cancel(): Promise<void> {
    if (this.state === 'finished' || this.state === 'failed') return;
    this.recordFailure(new CancelledError(`job ${this.jobUrl} was cancelled`), 'cancel');
    this.stop();
    await this.result.catch(() => {});
  }

  /**
   * Stop reading, and finish the rest: every source ends its input after the batch it is
   * reading, what was read flows through the job and is written, sinks flush, and `result`
   * resolves as for a finished job, with `isDrained` set. For an interrupted bulk job that must
   * account for everything it read; `cancel()` is the way to stop at once.
   */
  drain(): void {
    if (this.isDraining || this.isStopping) return;
    this.isDraining = true;
    for (const actor of this.actors) {
      if (actor.final === undefined) actor.remote.drain().catch(() => {});
    }
  }

  /** Current counters and rates (over the interval since the previous call). */
  async stats(): Promise<JobStats> {
    const samples = await Promise.all(
      this.actors.map(async (a) => (await this.sampleOf(a)) ?? this.previous.get(a.plan.id)),
    );
    return this.summarize(
      samples.filter((s): s is ActorSample => s !== undefined),
      true,
    );
  }

  /**
   * The actor's sample, or its final one if it ends first: a dead worker never answers. The
   * waiter is dropped once answered, never raced against `outcome`, which lives as long as the
   * job: every race would leave a reaction (and the sample it resolved with) on it for good.
   */
  private sampleOf(a: RunningActor): Promise<ActorSample | undefined> {
    if (a.final !== undefined) return Promise.resolve(a.final.sample);
    return new Promise((resolve) => {
      a.sampleWaiters.add(resolve);
      a.remote.sample().then(
        (sample) => {
          a.sampleWaiters.delete(resolve);
          resolve(sample);
        },
        () => {
          a.sampleWaiters.delete(resolve);
          resolve(undefined);
        },
      );
    });
  }

  private summarize(samples: ActorSample[], advance: boolean): JobStats {
    const stats = summarize({
      state: this.state,
      elapsedMs: Date.now() - this.startedAt,
      workers: this.physical?.workers ?? 0,
      samples,
      previous: this.previous,
      channels: this.physical?.channels ?? [],
      segmentCount: this.handles[0]?.segmentCount ?? 0,
      graph: this.graph,
    });
    if (advance) for (const s of samples) this.previous.set(s.id, s);
    return stats;
  }

  private recordFailure(error: unknown, kind: FailureKind): void {
    if (precedes(kind, this.failureKind)) {
      this.failure = error;
      this.failureKind = kind;
    }
  }

  private stop(): void {
    if (this.isStopping) return;
    this.isStopping = true;
    this.wakeStop();
    this.cancelActors();
  }

  private cancelActors(): void {
    for (const actor of this.actors) {
      if (actor.final === undefined) actor.remote.cancel().catch(() => {});
    }
  }

  private async execute(): Promise<JobResult> {
    try {
      return await this.deployAndRun();
    } catch (error) {
      this.state = this.failureKind === 'cancel' ? 'cancelled' : 'failed';
      throw error;
    }
  }

  private async deployAndRun(): Promise<JobResult> {
    const { options } = this;
    const params = options.params ?? {};
    try {
      structuredClone(params);
    } catch (error) {
      throw new ConfigError('job params must be plain data (structured-clonable)', {
        cause: error,
      });
    }
    const workers = checkWorkers(options.workers ?? availableParallelism());
    this.exitCodes = new Int32Array(
      new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * workers),
    ).fill(NO_EXIT_CODE);
    // The pool starts first: its workers import the job module while this thread does too.
    const pool = new Piscina({
      filename: workerFile,
      minThreads: workers,
      maxThreads: workers,
      // Actors are long-lived tasks that share a worker cooperatively: no cap per worker.
      concurrentTasksPerWorker: 1 << 16,
      idleTimeout: Number.POSITIVE_INFINITY,
      // The default idle loop parks in Atomics.wait and would freeze every actor on the thread.
      atomics: 'disabled',
      loadBalancer: slotBalancer(),
      workerData: {
        jobUrl: this.jobUrl,
        exitCodes: this.exitCodes.buffer,
      } satisfies WorkerData,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    // Errors of tasks are handled per task; a worker error with no task must not crash us.
    pool.on('error', (error: unknown) => {
      this.recordFailure(error, 'worker');
      this.stop();
    });
    try {
      return await this.runOn(pool, workers, params);
    } finally {
      await pool.destroy();
    }
  }

  private async runOn(pool: Piscina, workers: number, params: Params): Promise<JobResult> {
    const { options } = this;
    const graph = await loadJob(this.jobUrl, params, 'the main thread');
    const physical = plan(graph, workers);
    this.graph = graph;
    this.physical = physical;
    if (this.isStopping) throw this.failure;
    this.handles = physical.channels.map((c) =>
      createChannel({
        name: c.name,
        segmentSize: options.segmentSize,
        segmentCount: options.segmentCount,
      }),
    );

    const prepared = await prepareRouting(graph);
    if (this.isStopping) throw this.failure;
    const description = describeGraph(graph);
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      this.actors = physical.actors.map((actorPlan) =>
        this.deploy(pool, actorPlan, description, prepared),
      );
      // A failure or cancel that came while deploying found no actor to cancel yet.
      if (this.isStopping) this.cancelActors();
      await Promise.race([
        Promise.all(this.actors.map((a) => a.remote.deployed())),
        this.stopRequested,
      ]);
      if (!this.isStopping) {
        this.state = 'running';
        this.emit('deployed', physical);
        // A drain asked for while deploying found no actor to tell; told first, no source reads.
        if (this.isDraining) for (const actor of this.actors) actor.remote.drain().catch(() => {});
        // Far enough ahead for the start calls to reach every worker (see SourceReader.start).
        const startAtEpochMs = Date.now() + START_LEAD_MS;
        for (const actor of this.actors) actor.remote.start(startAtEpochMs).catch(() => {});
        const every = options.progressIntervalMs ?? 1000;
        if (every > 0) {
          timer = setInterval(() => {
            if (this.listenerCount('progress') === 0) return;
            this.stats().then(
              (stats) => this.emit('progress', stats),
              () => {},
            );
          }, every);
          timer.unref();
        }
      }
      await Promise.all(this.actors.map((a) => a.outcome));
    } finally {
      clearInterval(timer);
      for (const actor of this.actors) {
        actor.remote[Comlink.releaseProxy]();
        actor.port.close();
      }
    }

    const outcomes = this.actors.map((a) => a.final!);
    if (this.failure !== undefined) throw this.failure;
    this.state = 'finished';
    const sinks: Record<string, SinkResult> = {};
    for (const outcome of outcomes) {
      if (outcome.status !== 'finished') continue;
      for (const sink of outcome.sinks) {
        let entry = sinks[sink.node];
        if (entry === undefined)
          sinks[sink.node] = entry = { operatorId: sink.node, instances: [] };
        entry.instances[sink.instance] = sink.result;
      }
    }
    this.previous.clear();
    return {
      sinks,
      isDrained: this.isDraining,
      metrics: this.summarize(
        outcomes.map((o) => o.sample),
        false,
      ),
    };
  }

  private deploy(
    pool: Piscina,
    actorPlan: RunningActor['plan'],
    graph: DeployRequest['graph'],
    prepared: DeployRequest['prepared'],
  ): RunningActor {
    const { port1, port2 } = new MessageChannel();
    const channels: Record<number, ChannelHandle> = {};
    for (const id of [...actorPlan.inputs, ...actorPlan.outputs.flatMap((o) => o.channels)]) {
      if (id !== undefined) channels[id] = this.handles[id]!;
    }
    const request: DeployRequest = {
      jobUrl: this.jobUrl,
      params: this.options.params ?? {},
      graph,
      prepared,
      actor: actorPlan,
      channels,
      port: port2,
    };
    const running: RunningActor = {
      plan: actorPlan,
      remote: Comlink.wrap<ActorControl>(port1 as unknown as Comlink.Endpoint),
      port: port1,
      outcome: undefined as unknown as Promise<ActorOutcome>,
      final: undefined,
      sampleWaiters: new Set(),
    };
    running.outcome = (
      pool.run(placeOn(request, actorPlan.worker), {
        transferList: [port2],
      }) as Promise<ActorOutcome>
    )
      .catch((error: unknown) => this.workerDied(running, error))
      .then((outcome) => {
        running.final = outcome;
        for (const answer of running.sampleWaiters) answer(outcome.sample);
        running.sampleWaiters.clear();
        if (outcome.status === 'failed') {
          this.recordFailure(fromSerialized(outcome.error), kindOf(outcome.error));
          this.stop();
        }
        return outcome;
      });
    return running;
  }

  /** piscina rejects every task of a worker that exited; the actor's channels must not hang. */
  private workerDied(actor: RunningActor, cause: unknown): ActorOutcome {
    const message = cause instanceof Error ? cause.message : String(cause);
    const slot = actor.plan.worker;
    const stored = Atomics.load(this.exitCodes, slot);
    const exitCode = stored === NO_EXIT_CODE ? undefined : stored;
    const victims = this.actors.filter((a) => a.plan.worker === slot).map((a) => a.plan.id);
    const error = new WorkerExitedError(
      `worker ${slot} exited${exitCode === undefined ? '' : ` with code ${exitCode}`} while running actors ${victims.join(', ')} (${message})`,
      { cause, exitCode },
    );
    const ids = [...actor.plan.inputs, ...actor.plan.outputs.flatMap((o) => o.channels)];
    for (const id of ids) if (id !== undefined) abortChannel(this.handles[id]!, error);
    const sample = this.previous.get(actor.plan.id);
    return {
      status: 'failed',
      error: { code: error.code, name: error.name, message: error.message, details: error.details },
      sample: sample ?? emptySample(actor.plan, 'failed'),
    };
  }
}

/** Channel aborts are consequences; anything else an actor reports is a root cause. */
function kindOf(error: SerializedError): FailureKind {
  return error.code === 'ERR_CHANNEL_ABORTED' || error.code === 'ERR_CHANNEL_CLOSED'
    ? 'consequence'
    : 'cause';
}

/** Ask every routing sink, once, for the plain data its producers route by. */
async function prepareRouting(graph: LogicalGraph): Promise<Record<number, unknown>> {
  const prepared: Record<number, unknown> = {};
  for (const node of graph.nodes) {
    const edge = node.inputs.find((e) => e.partitioning.kind === 'replica');
    if (edge === undefined || edge.partitioning.kind !== 'replica') continue;
    if ('partitioner' in edge.partitioning) {
      prepared[node.index] = await edge.partitioning.partitioner.prepare();
    }
  }
  return prepared;
}

/** Run a job module on worker threads. */
export function run(job: URL | string, options: RunOptions = {}): JobHandle {
  const url = typeof job === 'string' ? job : job.href;
  return new JobHandle(url, options);
}
