/**
 * What one worker measured, recorded as it happens and handed over as plain data.
 *
 * Two latencies per operation: `latency` from the intended start (what a client of the
 * server waited, coordinated omission included) and `service` from the actual send (what
 * the server took once asked). Without a rate they are the same instant. Failed operations
 * are counted and sampled, not timed, because a timeout's duration is the driver's setting.
 */
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
} from '../../runtime/metrics/histogram.ts';

export interface KindResult {
  name: string;
  ops: number;
  errors: number;
  misses: number;
  latency: string;
  service: string;
}

/** One second of the measured phase, by completion time. */
export interface SecondResult {
  second: number;
  ops: number;
  errors: number;
  latency: string;
  service: string;
}

export interface ErrorSample {
  message: string;
  count: number;
}

/** Plain, structured-clonable: it crosses threads as it is. */
export interface WorkerResult {
  worker: number;
  /** Successful measured operations (misses included). */
  ops: number;
  errors: number;
  /** Reads that found no row. */
  misses: number;
  warmupOps: number;
  /** From the start of the measured phase to the last completion. */
  elapsedUs: number;
  latency: string;
  service: string;
  kinds: KindResult[];
  seconds: SecondResult[];
  errorSamples: ErrorSample[];
  isInterrupted: boolean;
}

/** Distinct error messages kept per worker; the rest are only counted. */
const MAX_ERROR_SAMPLES = 10;
const MAX_ERROR_MESSAGE = 300;

class Tally {
  ops = 0;
  errors = 0;
  misses = 0;
  readonly latency: Histogram = createHistogram();
  readonly service: Histogram = createHistogram();

  add(latencyUs: number, serviceUs: number): void {
    this.ops++;
    this.latency.recordValue(latencyUs);
    this.service.recordValue(serviceUs);
  }

  destroy(): void {
    this.latency.destroy();
    this.service.destroy();
  }
}

export class Recorder {
  readonly #measureStartUs: number;
  readonly #kindNames: readonly string[];
  readonly #total = new Tally();
  readonly #kinds: Tally[];
  /** Seconds already over, encoded: completions come in time order, so none returns to them. */
  readonly #seconds: SecondResult[] = [];
  #second = 0;
  #secondTally = new Tally();
  readonly #errorSamples = new Map<string, number>();
  #warmupOps = 0;
  #lastEndUs: number;

  constructor(kinds: readonly string[], measureStartUs: number) {
    this.#kindNames = kinds;
    this.#kinds = kinds.map(() => new Tally());
    this.#measureStartUs = measureStartUs;
    this.#lastEndUs = measureStartUs;
  }

  recordWarmup(): void {
    this.#warmupOps++;
  }

  recordSuccess(
    kind: number,
    intendedUs: number,
    sentUs: number,
    endUs: number,
    isMiss: boolean,
  ): void {
    // Rounded to whole µs and never negative: a timer firing a hair before its instant
    // must not make the histogram throw.
    const latencyUs = Math.max(0, Math.round(endUs - intendedUs));
    const serviceUs = Math.max(0, Math.round(endUs - sentUs));
    this.#total.add(latencyUs, serviceUs);
    const byKind = this.#kinds[kind]!;
    byKind.add(latencyUs, serviceUs);
    this.#secondOf(endUs).add(latencyUs, serviceUs);
    if (isMiss) {
      this.#total.misses++;
      byKind.misses++;
    }
  }

  recordError(kind: number, endUs: number, error: unknown): void {
    this.#total.errors++;
    this.#kinds[kind]!.errors++;
    this.#secondOf(endUs).errors++;
    const message = (error instanceof Error ? error.message : String(error)).slice(
      0,
      MAX_ERROR_MESSAGE,
    );
    const seen = this.#errorSamples.get(message);
    if (seen !== undefined) this.#errorSamples.set(message, seen + 1);
    else if (this.#errorSamples.size < MAX_ERROR_SAMPLES) this.#errorSamples.set(message, 1);
  }

  /** Cumulative counters of the measured phase, for progress lines; exact, never stale. */
  progress(): { ops: number; errors: number } {
    return { ops: this.#total.ops, errors: this.#total.errors };
  }

  /** Encodes everything and releases the histograms; the recorder is unusable afterwards. */
  finish(worker: number, isInterrupted: boolean): WorkerResult {
    this.#closeSecond();
    const result: WorkerResult = {
      worker,
      ops: this.#total.ops,
      errors: this.#total.errors,
      misses: this.#total.misses,
      warmupOps: this.#warmupOps,
      elapsedUs: Math.max(0, this.#lastEndUs - this.#measureStartUs),
      latency: encodeHistogram(this.#total.latency),
      service: encodeHistogram(this.#total.service),
      kinds: this.#kinds.map((tally, i) => ({
        name: this.#kindNames[i]!,
        ops: tally.ops,
        errors: tally.errors,
        misses: tally.misses,
        latency: encodeHistogram(tally.latency),
        service: encodeHistogram(tally.service),
      })),
      seconds: this.#seconds,
      errorSamples: [...this.#errorSamples].map(([message, count]) => ({ message, count })),
      isInterrupted,
    };
    this.#total.destroy();
    for (const tally of this.#kinds) tally.destroy();
    this.#secondTally.destroy();
    return result;
  }

  #secondOf(endUs: number): Tally {
    if (endUs > this.#lastEndUs) this.#lastEndUs = endUs;
    // max(): a completion never goes back to a second already closed (or before the start).
    const second = Math.max(this.#second, Math.floor((endUs - this.#measureStartUs) / 1e6));
    if (second > this.#second) {
      this.#closeSecond();
      this.#second = second;
    }
    return this.#secondTally;
  }

  /** Encodes the current second, if anything happened in it, and starts an empty one. */
  #closeSecond(): void {
    const tally = this.#secondTally;
    if (tally.ops > 0 || tally.errors > 0) {
      this.#seconds.push({
        second: this.#second,
        ops: tally.ops,
        errors: tally.errors,
        latency: encodeHistogram(tally.latency),
        service: encodeHistogram(tally.service),
      });
      tally.latency.reset();
      tally.service.reset();
      tally.ops = 0;
      tally.errors = 0;
      tally.misses = 0;
    }
  }
}
