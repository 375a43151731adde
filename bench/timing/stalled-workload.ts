/**
 * A simulated server on the real clock, for the harness timing benchmark: each operation takes
 * `serviceMs`; one arriving during the stall (from `stallAtMs` after this worker's first
 * operation, for `stallMs`) is answered only when the stall ends.
 */
import type { OperationSource } from '../../cli/bench/loop.ts';

export interface StallSpec {
  serviceMs: number;
  stallAtMs: number;
  stallMs: number;
}

export function stalledWorkload(spec: StallSpec): OperationSource {
  let firstMs: number | undefined;
  return {
    kinds: ['write'],
    kindOf: () => 0,
    execute() {
      const now = performance.now();
      firstMs ??= now;
      const from = firstMs + spec.stallAtMs;
      const until = from + spec.stallMs;
      const beginsMs = now >= from && now < until ? until : now;
      const delay = beginsMs - now + spec.serviceMs;
      return new Promise<boolean>((resolve) => setTimeout(() => resolve(true), delay));
    },
  };
}
