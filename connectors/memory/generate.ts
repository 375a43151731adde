/**
 * `generate({ count, ratePerSecond, make })`: records made by a function of their index, as
 * many as `count` (default: until cancelled), at `ratePerSecond` across all instances (default:
 * as fast as they are taken).
 *
 * Instance i of n makes the indexes i, i + n, i + 2n, … below `count`, so at any moment the
 * indexes made so far are close to a prefix of 0, 1, 2, …, and each instance paces its own
 * share at rate/n. Pacing has no drift: record k of an instance is due at start + k/(rate/n),
 * computed from the start, never from the last wake-up, so a late timer or a backpressured
 * consumer is caught up (in batches of at most `batchSize`) instead of lowering the rate.
 * A batch holds every record already due, so at high rates one timer wake-up yields many.
 */

import { ConfigError, ConnectorError } from '../../runtime/errors.ts';
import type { InstanceContext, Source, SourceReader } from '../../runtime/graph/connector.ts';

export interface GenerateOptions<T> {
  /** Records across all instances; default: no end. */
  count?: number;
  /** Records per second across all instances; default: no limit. */
  ratePerSecond?: number;
  make: (index: number) => T;
  /** Most records per batch; default 1024. */
  batchSize?: number;
}

const keys = ['count', 'ratePerSecond', 'make', 'batchSize'];

export function generate<T>(options: GenerateOptions<T>): Source<T> {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('generate: options must be an object with a make function');
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key))
      throw new ConfigError(`generate: unknown option '${key}' (known: ${keys.join(', ')})`, {
        details: { option: key },
      });
  }
  const { count = Number.POSITIVE_INFINITY, ratePerSecond, make, batchSize = 1024 } = options;
  if (typeof make !== 'function') throw invalid('make', 'a function (index) => record');
  if (count !== Number.POSITIVE_INFINITY && !(Number.isSafeInteger(count) && count >= 0)) {
    throw invalid('count', 'a non-negative integer');
  }
  if (
    ratePerSecond !== undefined &&
    !(typeof ratePerSecond === 'number' && ratePerSecond > 0 && Number.isFinite(ratePerSecond))
  ) {
    throw invalid('ratePerSecond', 'a positive finite number');
  }
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0)
    throw invalid('batchSize', 'a positive integer');
  const parts = [count === Number.POSITIVE_INFINITY ? 'unbounded' : `count=${count}`];
  if (ratePerSecond !== undefined) parts.push(`rate=${ratePerSecond}/s`);
  return {
    name: `generate(${parts.join(', ')})`,
    open(ctx: InstanceContext): SourceReader<T> {
      return new GeneratorReader(ctx, count, ratePerSecond, make, batchSize);
    },
  };
}

function invalid(option: string, expected: string): ConfigError {
  return new ConfigError(`generate: option '${option}' must be ${expected}`, {
    details: { option },
  });
}

class GeneratorReader<T> implements SourceReader<T> {
  /** Records this instance has made. */
  private made = 0;
  private readonly share: number;
  /** Milliseconds between two records of this instance; 0 without a rate. */
  private readonly intervalMs: number;
  private startMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private isClosed = false;
  private readonly ctx: InstanceContext;
  private readonly make: (index: number) => T;
  private readonly batchSize: number;

  constructor(
    ctx: InstanceContext,
    count: number,
    rate: number | undefined,
    make: (index: number) => T,
    batchSize: number,
  ) {
    this.ctx = ctx;
    this.make = make;
    this.batchSize = batchSize;
    const { instance, parallelism } = ctx;
    this.share =
      count === Number.POSITIVE_INFINITY
        ? count
        : Math.max(0, Math.ceil((count - instance) / parallelism));
    this.intervalMs = rate === undefined ? 0 : (1000 * parallelism) / rate;
    ctx.signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  async next(): Promise<T[] | null> {
    for (;;) {
      if (this.isClosed || this.ctx.signal.aborted || this.made >= this.share) return null;
      const due = this.due();
      if (due > 0) return this.batch(Math.min(due, this.batchSize, this.share - this.made));
      await this.sleepUntil(this.startMs! + this.made * this.intervalMs);
    }
  }

  async close(): Promise<void> {
    this.stop();
  }

  /** Records due now. */
  private due(): number {
    if (this.intervalMs === 0) return this.batchSize;
    const now = performance.now();
    this.startMs ??= now;
    // Record k is due at start + k·interval: floor(elapsed / interval) + 1 are due by now.
    return Math.floor((now - this.startMs) / this.intervalMs) + 1 - this.made;
  }

  private batch(size: number): T[] {
    const { instance, parallelism } = this.ctx;
    const out = new Array<T>(size);
    for (let j = 0; j < size; j++) {
      const index = instance + (this.made + j) * parallelism;
      try {
        out[j] = this.make(index);
      } catch (error) {
        throw new ConnectorError(
          `generate: make(${index}) threw: ${(error as Error)?.message ?? String(error)}`,
          {
            cause: error,
            details: { index },
          },
        );
      }
    }
    this.made += size;
    return out;
  }

  private sleepUntil(atMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.wake = undefined;
          resolve();
        },
        Math.max(0, atMs - performance.now()),
      );
    });
  }

  /** Ends the input: a pending `next()` resolves `null` (a drain, a cancel, `close`). */
  stop(): void {
    this.isClosed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
