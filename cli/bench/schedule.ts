/**
 * The fixed-rate schedule: when each operation should start.
 *
 * The whole run has one schedule, operation k of all workers intended at `start + k / rate`.
 * Worker w of W issues k = w, w + W, w + 2W, …, so the workers interleave into one smooth
 * stream at the asked rate instead of bursting together at rate / W.
 *
 * Latency is measured from the intended start, not from the moment the request was sent:
 * when the server stalls, the requests that should have been sent meanwhile are late, and
 * their lateness is part of what a user of the server would have waited (wrk2 does the same;
 * measuring from the send instant is "coordinated omission").
 */

export class RateSchedule {
  readonly #startUs: number;
  readonly #intervalUs: number;
  readonly #worker: number;
  readonly #workers: number;

  /** `rate` is for the whole run, in operations per second. */
  constructor(startUs: number, rate: number, worker = 0, workers = 1) {
    if (!(rate > 0) || !Number.isFinite(rate))
      throw new RangeError(`rate must be > 0, got ${rate}`);
    if (!(worker >= 0 && worker < workers)) {
      throw new RangeError(`worker ${worker} is not in 0 … ${workers - 1}`);
    }
    this.#startUs = startUs;
    this.#intervalUs = 1e6 / rate;
    this.#worker = worker;
    this.#workers = workers;
  }

  /** The run-wide sequence number of this worker's j-th operation. */
  seq(j: number): number {
    return this.#worker + j * this.#workers;
  }

  /** When this worker's j-th operation should start, in clock microseconds. */
  intendedStart(j: number): number {
    return this.#startUs + this.seq(j) * this.#intervalUs;
  }
}

/** How many of `total` items go to `worker` when item k goes to worker k mod `workers`. */
export function shareOf(total: number, worker: number, workers: number): number {
  return Math.max(0, Math.ceil((total - worker) / workers));
}
