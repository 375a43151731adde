/**
 * Job-level statistics from actor samples: totals, per-actor rates and per-edge segments.
 */

import type { ChannelPlan } from '../graph/planner.ts';
import type { LogicalGraph } from '../graph/types.ts';
import { rates } from './rates.ts';
import type { ActorSample, ActorState, EdgeStats, JobState, JobStats } from './types.ts';

export interface SummaryInput {
  state: JobState;
  elapsedMs: number;
  workers: number;
  samples: ActorSample[];
  /** The previous sample of each actor, by actor id; rates cover the time since. */
  previous: ReadonlyMap<string, ActorSample>;
  channels: ChannelPlan[];
  segmentCount: number;
  graph: LogicalGraph | undefined;
}

export function summarize(input: SummaryInput): JobStats {
  const sourceIds = new Set(
    input.graph?.nodes.filter((n) => n.kind === 'source').map((n) => n.id) ?? [],
  );
  let recordsIn = 0;
  let recordsOut = 0;
  let recordsPerSecond = 0;
  const actors = input.samples.map((sample) => {
    const stats = rates(sample, input.previous.get(sample.id));
    if (sourceIds.has(sample.operators[0] ?? '')) {
      recordsIn += sample.recordsIn;
      recordsPerSecond += stats.recordsInPerSecond;
    }
    recordsOut += sample.recordsToSinks;
    return stats;
  });
  const edges: EdgeStats[] = [];
  for (const sample of input.samples) {
    for (const edge of sample.edges) {
      edges.push({
        channel: edge.channel,
        name: input.channels[edge.channel]?.name ?? `channel ${edge.channel}`,
        segmentsInUse: edge.segmentsInUse,
        segmentCount: input.segmentCount,
      });
    }
  }
  edges.sort((a, b) => a.channel - b.channel);
  return {
    state: input.state,
    elapsedMs: input.elapsedMs,
    workers: input.workers,
    recordsIn,
    recordsOut,
    recordsPerSecond,
    actors,
    edges,
  };
}

/** The sample of an actor that never ran (it failed to deploy, or its worker died first). */
export function emptySample(
  actor: { id: string; instance: number; worker: number },
  state: ActorState,
): ActorSample {
  return {
    id: actor.id,
    operators: [],
    instance: actor.instance,
    worker: actor.worker,
    state,
    recordsIn: 0,
    recordsOut: 0,
    recordsToSinks: 0,
    elapsedMs: 0,
    busyMs: 0,
    idleMs: 0,
    backpressuredMs: 0,
    edges: [],
    sinks: {},
    sampledAt: Date.now(),
  };
}
