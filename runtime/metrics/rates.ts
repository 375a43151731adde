/**
 * Turns cumulative actor samples into per-second rates over the interval between two
 * samples of the same actor. The first sample of an actor is compared with its start.
 */

import type { ActorSample, ActorStats } from './types.ts';

function perSecond(delta: number, ms: number): number {
  return ms > 0 ? (delta * 1000) / ms : 0;
}

export function rates(current: ActorSample, previous: ActorSample | undefined): ActorStats {
  const base = previous ?? {
    recordsIn: 0,
    recordsOut: 0,
    elapsedMs: 0,
    busyMs: 0,
    idleMs: 0,
    backpressuredMs: 0,
  };
  const ms = current.elapsedMs - base.elapsedMs;
  const share = (now: number, before: number): number =>
    Math.min(1000, Math.max(0, perSecond(now - before, ms)));
  return {
    ...current,
    recordsInPerSecond: perSecond(current.recordsIn - base.recordsIn, ms),
    recordsOutPerSecond: perSecond(current.recordsOut - base.recordsOut, ms),
    busyMsPerSecond: share(current.busyMs, base.busyMs),
    idleMsPerSecond: share(current.idleMs, base.idleMs),
    backpressuredMsPerSecond: share(current.backpressuredMs, base.backpressuredMs),
  };
}
