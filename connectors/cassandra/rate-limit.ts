/**
 * The sink's throttles: token buckets for `maxRowsPerSecond` and `maxBytesPerSecond`, and the
 * share of each whole-sink limit that one instance keeps.
 *
 * A user sets the limits for the whole sink (for `sluice load`, the whole load), but each
 * instance runs on its own worker and shares no memory with the others, so each keeps an
 * equal share: a rate R over P instances gives R / P to each, and N requests in flight give
 * ⌊N / P⌋ to each and one more to the first N mod P (the sink caps P at N, so none gets 0).
 * An instance that runs out of rows leaves its share unused: a load may then go slower than
 * its limit, never faster.
 *
 * A bucket holds up to `BURST_MS` worth of its rate and starts full. A request may go once the
 * bucket holds its size (or is full, for a request larger than the bucket), and then takes
 * its size, which may leave the bucket in debt. Debt lets a request larger than the bucket go
 * at all while the average stays at the rate: over any T ms an instance sends at most
 * `burst + rate × T + (largest request − burst, if positive)`.
 *
 * Single-threaded: one writer owns its buckets; callers pass `now` (ms) so tests drive time.
 */

import { ConfigError } from '../../runtime/errors.ts';

export interface RateLimits {
  /** Rows sent per second; undefined: no limit. */
  rowsPerSecond: number | undefined;
  /** Bytes of serialized values sent per second; undefined: no limit. */
  bytesPerSecond: number | undefined;
}

export class TokenBucket {
  /** How much of its rate a bucket holds: the burst an idle instance may send at once. */
  static readonly BURST_MS = 100;

  readonly #perMs: number;
  readonly #capacity: number;
  #tokens: number;
  #filledAt: number;

  constructor(perSecond: number, now: number) {
    this.#perMs = perSecond / 1000;
    // At least one token, so that a rate below 10/s still lets a one-row request through.
    this.#capacity = Math.max(1, perSecond * (TokenBucket.BURST_MS / 1000));
    this.#tokens = this.#capacity;
    this.#filledAt = now;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Milliseconds until a request of `size` may go; 0 when it may go now. Takes nothing. */
  delayMs(size: number, now: number): number {
    this.#fill(now);
    const needed = Math.min(size, this.#capacity);
    // A millionth of a token short is rounding (of the fill after the wait this returned).
    return this.#tokens >= needed - 1e-6 ? 0 : (needed - this.#tokens) / this.#perMs;
  }

  /** Takes `size` tokens, possibly into debt; call it only when `delayMs` said 0. */
  take(size: number): void {
    this.#tokens -= size;
  }

  #fill(now: number): void {
    if (now <= this.#filledAt) return;
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#filledAt) * this.#perMs);
    this.#filledAt = now;
  }
}

/** One instance's rate limits: a request goes when every bucket lets it, and takes from each. */
export class RateLimit {
  readonly #rows: TokenBucket | undefined;
  readonly #bytes: TokenBucket | undefined;

  constructor(limits: RateLimits, now: number) {
    this.#rows =
      limits.rowsPerSecond === undefined ? undefined : new TokenBucket(limits.rowsPerSecond, now);
    this.#bytes =
      limits.bytesPerSecond === undefined ? undefined : new TokenBucket(limits.bytesPerSecond, now);
  }

  /**
   * Takes `rows` and `bytes` if both buckets allow them now, and returns 0; otherwise takes
   * nothing and returns how many ms to wait before trying again.
   */
  tryTake(rows: number, bytes: number, now: number): number {
    const wait = Math.max(
      this.#rows?.delayMs(rows, now) ?? 0,
      this.#bytes?.delayMs(bytes, now) ?? 0,
    );
    if (wait > 0) return wait;
    this.#rows?.take(rows);
    this.#bytes?.take(bytes);
    return 0;
  }
}

/** Each instance's share of whole-sink rates: an equal part. */
export function rateShare(limits: RateLimits, parallelism: number): RateLimits {
  return {
    rowsPerSecond:
      limits.rowsPerSecond === undefined ? undefined : limits.rowsPerSecond / parallelism,
    bytesPerSecond:
      limits.bytesPerSecond === undefined ? undefined : limits.bytesPerSecond / parallelism,
  };
}

/**
 * Instance `instance`'s share of `total` requests in flight: ⌊total / parallelism⌋, one more
 * for the first `total mod parallelism` instances. Every instance needs at least one.
 */
export function concurrencyShare(total: number, instance: number, parallelism: number): number {
  const share = Math.floor(total / parallelism) + (instance < total % parallelism ? 1 : 0);
  if (share < 1) {
    throw new ConfigError(
      `maxConcurrentQueries (${total}) must be at least the sink's parallelism (${parallelism}): every instance needs one request in flight`,
      { details: { option: 'maxConcurrentQueries' } },
    );
  }
  return share;
}
