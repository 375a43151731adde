import { describe, expect, it } from 'vitest';
import { chooseLane, Lane, type Request } from '../../../connectors/cassandra/lane.ts';

const limits = { initial: 2, min: 1, max: 2 };
const request = (): Request => ({ rows: [], bytes: 0, replicas: [0, 1, 2], attempts: 0 });

function lanes(): Lane[] {
  return ['a', 'b', 'c', 'd'].map((address) => new Lane(address, limits));
}

function fill(lane: Lane, waiting: number): void {
  for (let i = 0; i < limits.initial + waiting; i++) lane.enqueue(request());
  while (lane.tryTake() !== undefined);
}

describe('lane choice', () => {
  const up = () => true;

  it('prefers the primary replica while it has room', () => {
    const all = lanes();
    fill(all[0]!, 0);
    all[0]!.window.release('ok', 1, 1);
    expect(chooseLane(all, [0, 1, 2], up).address).toBe('a');
  });

  it('moves to the replica that can take the request soonest when the primary is full', () => {
    const all = lanes();
    fill(all[0]!, 3);
    fill(all[1]!, 1);
    expect(chooseLane(all, [0, 1, 2], up).address).toBe('c');
  });

  it('skips replicas that are down, and falls back to any live host', () => {
    const all = lanes();
    expect(chooseLane(all, [0, 1], (a) => a !== 'a').address).toBe('b');
    expect(chooseLane(all, [0, 1], (a) => a === 'd').address).toBe('d');
    expect(chooseLane(all, [1, 0], () => false).address).toBe('b');
  });

  it('hands out queued requests in order, one per free window slot', () => {
    const lane = new Lane('a', limits);
    const requests = Array.from({ length: 2000 }, (_, attempts) => ({
      rows: [],
      bytes: 0,
      replicas: [0],
      attempts,
    }));
    for (const r of requests) lane.enqueue(r);
    const taken: number[] = [];
    for (;;) {
      const r = lane.tryTake();
      if (r === undefined) {
        if (lane.queued === 0) break;
        lane.window.release('failed', 1, 1);
        continue;
      }
      taken.push(r.attempts);
    }
    expect(taken).toEqual(requests.map((r) => r.attempts));
    expect(lane.window.inFlight).toBeLessThanOrEqual(2);
  });
});
