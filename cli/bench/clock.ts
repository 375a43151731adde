/**
 * Time as the harness sees it: microseconds on a monotonic clock.
 *
 * The measuring loop never reads time any other way, so a test can drive it with a simulated
 * clock and a simulated server, and check latencies to the microsecond.
 */

export interface Clock {
  /** Microseconds, monotonic; only differences are meaningful. */
  now(): number;
  /** Resolves at `atUs` or later; rejects with the signal's reason if it aborts first. */
  sleepUntil(atUs: number, signal?: AbortSignal): Promise<void>;
}

/** Waking this close to the instant is on time: a timer cannot do better. */
const EARLY_ENOUGH_US = 50;

export const systemClock: Clock = {
  now: () => performance.now() * 1000,
  sleepUntil(atUs, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      // Node's timers run on a millisecond loop clock and may fire up to a millisecond before
      // the instant on performance.now(): sleep again until it has really come.
      const wait = () => {
        const delayUs = atUs - performance.now() * 1000;
        if (delayUs <= EARLY_ENOUGH_US) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
          return;
        }
        timer = setTimeout(wait, Math.max(1, delayUs / 1000));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      wait();
    });
  },
};

/**
 * Converts a wall-clock instant into this thread's monotonic clock. Threads have different
 * `performance.timeOrigin`s, so workers agree on a start time through the wall clock only.
 */
export function monotonicFromEpochMs(epochMs: number, clock: Clock = systemClock): number {
  return clock.now() + (epochMs - Date.now()) * 1000;
}
