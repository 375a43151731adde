/**
 * Metrics, as Flink reports them: per actor, records in and out and how each second splits
 * into busy, idle (waiting for input) and backpressured (waiting for a consumer's credit);
 * per edge, the segments in use. Actors report cumulative counters (`ActorSample`); the main
 * thread turns two samples into rates (`ActorStats`).
 */

export type ActorState = 'deploying' | 'running' | 'finished' | 'failed' | 'cancelled';

/** Cumulative counters of one actor at one moment. Plain data: crosses threads. */
export interface ActorSample {
  id: string;
  /** Operator ids chained in this actor, head first. */
  operators: string[];
  instance: number;
  worker: number;
  state: ActorState;
  recordsIn: number;
  recordsOut: number;
  /** Of `recordsOut`, those written to sinks. */
  recordsToSinks: number;
  elapsedMs: number;
  busyMs: number;
  idleMs: number;
  backpressuredMs: number;
  /** One entry per output channel: segments published and not yet returned by the consumer. */
  edges: Array<{ channel: number; segmentsInUse: number }>;
  /** Connector counters of the sinks in this actor, by operator id. */
  sinks: Record<string, unknown>;
  /** Date.now() when taken. */
  sampledAt: number;
}

export interface ActorStats extends ActorSample {
  recordsInPerSecond: number;
  recordsOutPerSecond: number;
  /** Each in [0, 1000]: how the last interval's seconds split, as Flink's busyTimeMsPerSecond. */
  busyMsPerSecond: number;
  idleMsPerSecond: number;
  backpressuredMsPerSecond: number;
}

export interface EdgeStats {
  channel: number;
  /** "map#1/0 -> sink#2/1". */
  name: string;
  segmentsInUse: number;
  segmentCount: number;
}

export type JobState = 'deploying' | 'running' | 'finished' | 'failed' | 'cancelled';

export interface JobStats {
  state: JobState;
  elapsedMs: number;
  workers: number;
  /** Records read by all sources. */
  recordsIn: number;
  /** Records written to all sinks. */
  recordsOut: number;
  /** Source records per second over the last interval. */
  recordsPerSecond: number;
  actors: ActorStats[];
  edges: EdgeStats[];
}
