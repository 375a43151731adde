/**
 * Processing-time timers of one actor. A timer is (operator, timestamp, key), registered at
 * most once, as Flink's timer service does. Deletion is lazy: the entry stays in the heap and
 * is skipped when it surfaces.
 */

import { normalizeKey } from '../graph/keys.ts';
import type { TimerService } from '../graph/operator.ts';

interface Timer {
  operator: number;
  timestamp: number;
  key: unknown;
  id: string;
}

function timerId(operator: number, timestamp: number, key: unknown): string {
  const k = normalizeKey(key);
  return `${operator}|${timestamp}|${typeof k}|${String(k)}`;
}

export class ProcessingTimers implements TimerService {
  private readonly heap: Timer[] = [];
  private readonly live = new Set<string>();

  now(): number {
    return Date.now();
  }

  register(operator: number, timestamp: number, key: unknown): void {
    const id = timerId(operator, timestamp, key);
    if (this.live.has(id)) return;
    this.live.add(id);
    this.push({ operator, timestamp, key, id });
  }

  remove(operator: number, timestamp: number, key: unknown): void {
    this.live.delete(timerId(operator, timestamp, key));
  }

  get size(): number {
    return this.live.size;
  }

  /** Timestamp of the earliest live timer, or undefined. */
  nextTimestamp(): number | undefined {
    this.dropDead();
    return this.heap[0]?.timestamp;
  }

  /** Remove and return the earliest live timer due at `now` (Infinity: any). */
  popDue(now: number): Timer | undefined {
    this.dropDead();
    const top = this.heap[0];
    if (top === undefined || top.timestamp > now) return undefined;
    this.pop();
    this.live.delete(top.id);
    return top;
  }

  private dropDead(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0]!.id)) this.pop();
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.timestamp <= timer.timestamp) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && heap[right]!.timestamp < heap[left]!.timestamp ? right : left;
      if (heap[child]!.timestamp >= last.timestamp) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
