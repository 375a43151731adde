/**
 * Watching a Cassandra sink in a running job, for the fault tests: its stats in a progress
 * report, and the first report whose stats meet a condition.
 */

import type { JobHandle, JobStats } from '../../../index.ts';

/** The stats of the job's Cassandra sink (its first instance), from a progress report or the final one. */
export function sinkStats<T>(stats: JobStats): T | undefined {
  for (const actor of stats.actors) {
    for (const [operatorId, sink] of Object.entries(actor.sinks)) {
      if (operatorId.startsWith('cassandra')) return sink as T;
    }
  }
  return undefined;
}

/**
 * The first progress report whose sink stats meet `isMet`: the job's own events, with a bound
 * that turns a condition that never comes into a failure saying what was awaited.
 */
export function progressUntil<T>(
  handle: JobHandle,
  what: string,
  isMet: (stats: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let last: T | undefined;
    const settle = (error: Error | undefined, stats?: T) => {
      clearTimeout(timer);
      handle.off('progress', onProgress);
      if (error) reject(error);
      else resolve(stats!);
    };
    const onProgress = (report: JobStats) => {
      const stats = sinkStats<T>(report);
      if (stats === undefined) return;
      last = stats;
      if (isMet(stats)) settle(undefined, stats);
    };
    const timer = setTimeout(
      () =>
        settle(
          new Error(
            `no progress showed ${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
          ),
        ),
      timeoutMs,
    );
    handle.on('progress', onProgress);
    handle.result.then(
      () => settle(new Error(`the job ended before ${what}`)),
      (error: Error) => settle(error),
    );
  });
}
