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

  it('grows about one slot per round trip while latency stays healthy, up to its maximum', () => {
    const w = new AdaptiveWindow(limits);
    drive(w, 10, 2);
    expect(w.limit).toBeGreaterThanOrEqual(12);
    expect(w.limit).toBeLessThanOrEqual(15);
    drive(w, 500, 2);
    expect(w.limit).toBe(64);
  });

  it('shrinks when latency rises well above the baseline, once per round trip', () => {
    const w = new AdaptiveWindow({ ...limits, initial: 32 });
    let now = drive(w, 3, 2);
    const before = w.limit;
    // A full window of slow responses is one event: one ×0.9 decrease, not 32.
    now = drive(w, 1, 20, now);
    expect(w.limit).toBeGreaterThanOrEqual(Math.floor(before * AdaptiveWindow.SLOW_DECREASE));
    expect(w.limit).toBeLessThan(before);
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
    now = drive(w, 20, 10, now);
    const throttled = w.limit;
    expect(throttled).toBeLessThan(16);
    // A minute of steady 10 ms responses: longer than the baseline's drift time constant.
    drive(w, 6000, 10, now);
    // With the baseline re-learned, 10 ms is healthy again and the window grew back.
    expect(w.baselineMs).toBeGreaterThan(4);
    expect(w.limit).toBeGreaterThan(throttled * 2);
  });

  it('refuses a release without an acquire', () => {
    expect(() => new AdaptiveWindow(limits).release('ok', 1, 1)).toThrow(
      /without a matching acquire/,
    );
  });
});
