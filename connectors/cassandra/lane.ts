/**
 * A writer's lane to one host: its adaptive window, the requests waiting for a slot in it,
 * and its metrics; and the choice of the lane a request goes to.
 */

import type { FailureKind } from './client.ts';
import { HostMetrics } from './metrics.ts';
import type { BoundRow } from './schema.ts';
import { AdaptiveWindow, type Outcome, type WindowLimits } from './window.ts';

/** Rows of one partition, or of partitions sharing one replica set, on their way to one of those replicas. */
export interface Request {
  rows: BoundRow[];
  /** Serialized size of the rows' values: what `maxBytesPerSecond` counts. */
  bytes: number;
  /** Ring host indexes, primary first. */
  replicas: readonly number[];
  attempts: number;
}

/**
 * What a failure tells the window about the host's load. Only a timeout and an Overloaded
 * error say the host is busy. Unavailable does not: the coordinator refused the write at
 * once, before any work, because it believes too few replicas are alive; shrinking its window
 * would slow the rows bound for healthy replica sets. The retry's backoff paces those rows.
 */
export const WINDOW_OUTCOME: Record<FailureKind, Outcome> = {
  timeout: 'timeout',
  overloaded: 'overloaded',
  unavailable: 'failed',
  unreachable: 'failed',
  rejected: 'failed',
};

export class Lane {
  readonly window: AdaptiveWindow;
  readonly metrics = new HostMetrics();
  // A FIFO with a moving head: shift() on a long array is linear.
  #queue: Array<Request | undefined> = [];
  #head = 0;

  constructor(
    readonly address: string,
    limits: WindowLimits,
  ) {
    this.window = new AdaptiveWindow(limits);
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Headroom minus waiting requests: how soon this host can take another request. */
  get score(): number {
    return this.window.headroom - this.queued;
  }

  enqueue(request: Request): void {
    this.#queue.push(request);
  }

  /** The next waiting request, left in the queue. */
  peek(): Request | undefined {
    return this.queued === 0 ? undefined : this.#queue[this.#head];
  }

  /** The next waiting request, if the window has a slot for it (the slot is then taken). */
  tryTake(): Request | undefined {
    if (this.queued === 0 || !this.window.tryAcquire()) return undefined;
    const request = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return request;
  }
}

/**
 * The lane for a request: the primary replica, unless another live replica can take it
 * sooner. With no live replica, any live host coordinates (the routing stats will say so);
 * with no live host at all, the primary, whose request then fails and is retried later.
 */
export function chooseLane(
  lanes: readonly Lane[],
  replicas: readonly number[],
  isUp: (address: string) => boolean,
): Lane {
  let best: Lane | undefined;
  for (const index of replicas) {
    const lane = lanes[index]!;
    if (!isUp(lane.address)) continue;
    if (best === undefined || (best.score <= 0 && lane.score > best.score)) best = lane;
  }
  if (best === undefined) {
    for (const lane of lanes) {
      if (isUp(lane.address) && (best === undefined || lane.score > best.score)) best = lane;
    }
  }
  return best ?? lanes[replicas[0]!]!;
}
