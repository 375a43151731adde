/**
 * A per-host in-flight window whose limit adapts to the host (AIMD on latency and errors).
 *
 * Until the first sign of overload the limit doubles per round trip (slow start: one more
 * request per healthy response), so a bulk load reaches the cluster's pace within a few
 * round trips; after it, it grows by about one request per round trip (additive increase).
 * It shrinks multiplicatively on signs of overload: ×0.9 when the smoothed latency exceeds
 * `TOLERANCE` × the baseline plus `SLACK_MS`, ×0.5 on a timeout or an Overloaded error.
 * Other failures (Unavailable, an unreachable host, a rejected row) say nothing of the host's
 * load and leave the limit alone (`WINDOW_OUTCOME` in lane.ts sorts them). Decreases happen
 * at most once per smoothed round trip, because one overload episode yields a burst of slow
 * responses that all describe the same event.
 *
 * Latency is judged smoothed, with a generous slack, because on a busy client (or a
 * shared machine) single responses are often late for reasons the host did not cause: a
 * window that shrank on each of them held latency low and gave away most of the throughput
 * of a healthy cluster. Real overload shows as timeouts and Overloaded errors, or as a
 * queue that keeps latency up for many responses in a row.
 *
 * The baseline is the lowest latency seen, drifting slowly up toward recent latencies, so a
 * host that becomes permanently slower (compaction, a bigger table) is re-learned instead of
 * being throttled forever. The limit only grows while the window is in use: an idle
 * producer must not inflate it.
 *
 * Single-threaded: one writer owns its windows; callers pass `now` (ms) so tests drive time.
 */

import { SluiceError } from '../../runtime/errors.ts';

export interface WindowLimits {
  initial: number;
  min: number;
  max: number;
}

/** How a request went, as the window sees it: `failed` is a failure that says nothing of load. */
export type Outcome = 'ok' | 'overloaded' | 'timeout' | 'failed';

export class AdaptiveWindow {
  /** Healthy latency may be this many times the baseline… */
  static readonly TOLERANCE = 3;
  /** …plus this slack (ms), so scheduling jitter of a busy client is not taken for overload. */
  static readonly SLACK_MS = 10;
  static readonly SLOW_DECREASE = 0.9;
  static readonly ERROR_DECREASE = 0.5;
  /**
   * Time constant (ms) of the baseline's drift toward slower latencies. It is a time, not a
   * sample count, so a large window (many samples per round trip) does not re-learn faster.
   */
  static readonly BASELINE_DRIFT_MS = 10_000;

  readonly #min: number;
  readonly #max: number;
  #limit: number;
  #inFlight = 0;
  /** In-flight requests sent while the window was at least half full: their responses may grow it. */
  #busyInFlight = 0;
  #baselineMs = Number.POSITIVE_INFINITY;
  #smoothedMs = 0;
  #lastSampleAt = Number.NaN;
  #lastDecreaseAt = Number.NEGATIVE_INFINITY;
  #isSlowStart = true;

  constructor(limits: WindowLimits) {
    this.#min = limits.min;
    this.#max = limits.max;
    this.#limit = limits.initial;
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get baselineMs(): number {
    return this.#baselineMs;
  }

  /** Free slots (may be negative right after a decrease). */
  get headroom(): number {
    return this.limit - this.#inFlight;
  }

  /** Takes a slot if one is free; never waits. */
  tryAcquire(): boolean {
    if (this.#inFlight >= this.limit) return false;
    this.#inFlight++;
    if (this.#inFlight >= this.#limit / 2) this.#busyInFlight++;
    return true;
  }

  /** Returns a slot and adapts the limit to how the request went. */
  release(outcome: Outcome, latencyMs: number, now: number): void {
    if (this.#inFlight === 0)
      throw new SluiceError('AdaptiveWindow.release without a matching acquire');
    const wasInUse = this.#busyInFlight > 0;
    if (wasInUse) this.#busyInFlight--;
    this.#inFlight--;
    if (outcome === 'failed') return;
    if (outcome === 'overloaded' || outcome === 'timeout') {
      this.#decrease(AdaptiveWindow.ERROR_DECREASE, now);
      return;
    }
    this.#smoothedMs =
      this.#smoothedMs === 0 ? latencyMs : this.#smoothedMs * 0.9 + latencyMs * 0.1;
    if (latencyMs < this.#baselineMs) this.#baselineMs = latencyMs;
    else if (now > this.#lastSampleAt) {
      const weight = Math.min(1, (now - this.#lastSampleAt) / AdaptiveWindow.BASELINE_DRIFT_MS);
      this.#baselineMs += (latencyMs - this.#baselineMs) * weight;
    }
    this.#lastSampleAt = now;

    const healthy = this.#baselineMs * AdaptiveWindow.TOLERANCE + AdaptiveWindow.SLACK_MS;
    if (this.#smoothedMs > healthy) this.#decrease(AdaptiveWindow.SLOW_DECREASE, now);
    else if (wasInUse) {
      const step = this.#isSlowStart ? 1 : 1 / this.#limit;
      this.#limit = Math.min(this.#max, this.#limit + step);
    }
  }

  #decrease(factor: number, now: number): void {
    this.#isSlowStart = false;
    if (now - this.#lastDecreaseAt < this.#smoothedMs) return;
    this.#lastDecreaseAt = now;
    this.#limit = Math.max(this.#min, this.#limit * factor);
  }
}
