import { describe, expect, it } from 'vitest';
import { AdaptiveWindow } from '../../../connectors/cassandra/window.ts';

const limits = { initial: 4, min: 1, max: 64 };

/**
 * Keeps the window full for `rounds` round trips of `latencyMs` each, as a busy producer
 * does: every response frees a slot that is refilled at once. Returns the simulated time.
 */
function drive(window: AdaptiveWindow, rounds: number, latencyMs: number, start = 0): number {
  const sentAt: number[] = [];
  let now = start;
  while (window.tryAcquire()) sentAt.push(now);
  const end = start + rounds * latencyMs;
  while (sentAt.length > 0 && now < end) {
    now = sentAt.shift()! + latencyMs;
    window.release('ok', latencyMs, now);
    while (window.tryAcquire()) sentAt.push(now);
  }
  // Drain what is left, so the next phase starts from an empty window.
  for (const sent of sentAt) window.release('ok', latencyMs, Math.max(now, sent + latencyMs));
  return Math.max(now, end);
}

describe('adaptive window', () => {
  it('never lets more than its limit in flight', () => {
    const w = new AdaptiveWindow(limits);
    let taken = 0;
    while (w.tryAcquire()) taken++;
    expect(taken).toBe(4);
    expect(w.inFlight).toBe(4);
    expect(w.headroom).toBe(0);
  });

  it('doubles per round trip until the first sign of overload, then grows about one slot per round trip, up to its maximum', () => {
    const w = new AdaptiveWindow(limits);
    let now = drive(w, 3, 2);
    // 4 → 8 → 16 → 32: slow start.
    expect(w.limit).toBeGreaterThanOrEqual(24);
    expect(w.limit).toBeLessThanOrEqual(36);
    w.tryAcquire();
    now += 5;
    w.release('overloaded', 5, now);
    const halved = w.limit;
    drive(w, 10, 2, now);
    expect(w.limit).toBeGreaterThanOrEqual(halved + 8);
    expect(w.limit).toBeLessThanOrEqual(halved + 11);
    drive(w, 2000, 2);
    expect(w.limit).toBe(64);
  });

  it('takes a few late responses on a busy client in stride', () => {
    const w = new AdaptiveWindow({ ...limits, initial: 32 });
    let now = drive(w, 3, 1);
    const before = w.limit;
    // One response in ten is 8 ms late (a descheduled client thread, a GC pause).
    for (let i = 0; i < 500; i++) {
      w.tryAcquire();
      now += 1;
      w.release('ok', i % 10 === 0 ? 9 : 1, now);
    }
    expect(w.limit).toBeGreaterThanOrEqual(before);
  });

  it('shrinks when latency rises well above the baseline, once per round trip', () => {
    const w = new AdaptiveWindow({ ...limits, initial: 32 });
    let now = drive(w, 3, 2);
    const before = w.limit;
    // A full window of slow responses is one event: one ×0.9 decrease, not one per response.
    let taken = 0;
    while (w.tryAcquire()) taken++;
    now += 40;
    for (let i = 0; i < taken; i++) w.release('ok', 40, now);
    expect(w.limit).toBe(Math.floor(before * AdaptiveWindow.SLOW_DECREASE));
    drive(w, 10, 20, now);
    expect(w.limit).toBeLessThan(before * 0.9 ** 5);
  });

  it('halves on a timeout or an Overloaded error, and never goes below its minimum', () => {
    const w = new AdaptiveWindow({ ...limits, initial: 40 });
    let now = drive(w, 2, 5);
    const before = w.limit;
    w.tryAcquire();
    now += 100;
    w.release('overloaded', 100, now);
    expect(w.limit).toBe(Math.floor(before * 0.5));
    for (let i = 0; i < 50; i++) {
      now += 1000;
      w.tryAcquire();
      w.release('timeout', 1000, now);
    }
    expect(w.limit).toBe(1);
  });

  it('ignores failures that say nothing about load', () => {
    const w = new AdaptiveWindow(limits);
    w.tryAcquire();
    w.release('failed', 5, 5);
    expect(w.limit).toBe(4);
    expect(w.inFlight).toBe(0);
  });

  it('does not grow while the window is mostly idle', () => {
    const w = new AdaptiveWindow({ ...limits, initial: 16 });
    let now = 0;
    for (let i = 0; i < 1000; i++) {
      w.tryAcquire();
      now += 2;
      w.release('ok', 2, now);
    }
    expect(w.limit).toBe(16);
  });

  it('re-learns its baseline when the host becomes permanently slower', () => {
    const w = new AdaptiveWindow({ ...limits, initial: 16 });
    let now = drive(w, 5, 1);
    now = drive(w, 20, 40, now);
    const throttled = w.limit;
    expect(throttled).toBeLessThan(16);
    // Four minutes of steady 40 ms responses: longer than the baseline's drift time constant.
    drive(w, 6000, 40, now);
    // With the baseline re-learned, 40 ms is healthy again and the window grew back.
    expect(w.baselineMs).toBeGreaterThan(10);
    expect(w.limit).toBeGreaterThan(throttled * 2);
  });

  it('refuses a release without an acquire', () => {
    expect(() => new AdaptiveWindow(limits).release('ok', 1, 1)).toThrow(
      /without a matching acquire/,
    );
  });
});
