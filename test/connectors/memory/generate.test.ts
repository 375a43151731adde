import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generate } from '../../../connectors/memory/index.ts';
import { ConfigError, ConnectorError } from '../../../runtime/errors.ts';
import { context, readInstances } from '../files/helpers.ts';

describe('generate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes every index below count exactly once across instances, i, i+n, … on instance i', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        async (count, parallelism, batchSize) => {
          const shares = await readInstances(
            generate({ count, batchSize, make: (index) => index }),
            parallelism,
          );
          shares.forEach((share, i) => {
            expect(share.every((index, k) => index === i + k * parallelism)).toBe(true);
          });
          expect(shares.flat().sort((a, b) => a - b)).toEqual(
            Array.from({ length: count }, (_, k) => k),
          );
        },
      ),
      { seed: 2, numRuns: 100 },
    );
  });

  it('paces each instance at rate/n from its start, without drift, in batches of what is due', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    // 4000/s over 4 instances: 1000/s, one record per millisecond on this instance.
    const reader = await generate({ ratePerSecond: 4000, make: (i) => i }).open(context(1, 4));
    const made: number[] = [];
    const start = performance.now();
    let wakeUps = 0;
    while (made.length < 2000) {
      const pending = reader.next();
      // The reader either had records due, or set a timer for the next one: fire it.
      await vi.advanceTimersToNextTimerAsync();
      const batch = await pending;
      if (batch === null) throw new Error('an unbounded generator ended');
      made.push(...batch);
      wakeUps++;
      // Exactly the records due by now, ⌊t/1 ms⌋ + 1, however late the consumer came back.
      expect(made.length).toBe(Math.floor(performance.now() - start) + 1);
      // A consumer that is slow now and then: the reader must catch up, not fall behind.
      if (wakeUps % 50 === 0) vi.advanceTimersByTime(37);
    }
    expect(made.slice(0, 3)).toEqual([1, 5, 9]);
    // Catching up came in batches: fewer wake-ups than records.
    expect(wakeUps).toBeLessThan(made.length);
    await reader.close();
  });

  it('yields nothing before a record is due, and stops waiting when closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const reader = await generate({ ratePerSecond: 1, make: (i) => i }).open(context(0, 1));
    expect(await reader.next()).toEqual([0]);
    let isSettled = false;
    const pending = reader.next().then((batch) => {
      isSettled = true;
      return batch;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(isSettled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toEqual([1]);
    const waiting = reader.next();
    await reader.close();
    expect(await waiting).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops when the job is cancelled', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const abort = new AbortController();
    const reader = await generate({ ratePerSecond: 10, make: (i) => i }).open({
      ...context(0, 1),
      signal: abort.signal,
    });
    await reader.next();
    const waiting = reader.next();
    abort.abort();
    expect(await waiting).toBeNull();
  });

  it('names the index whose make threw', async () => {
    const source = generate({
      count: 10,
      make: (i) => {
        if (i === 7) throw new Error('boom');
        return i;
      },
    });
    const error = await readInstances(source, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe('generate: make(7) threw: boom');
  });

  it('rejects bad options eagerly, naming the option', () => {
    const make = (i: number) => i;
    expect(() => generate({} as never)).toThrow(/'make'/);
    expect(() => generate({ make, count: -1 })).toThrow(/'count'/);
    expect(() => generate({ make, count: 1.5 })).toThrow(/'count'/);
    expect(() => generate({ make, ratePerSecond: 0 })).toThrow(/'ratePerSecond'/);
    expect(() => generate({ make, batchSize: 0 })).toThrow(/'batchSize'/);
    expect(() => generate({ make, rate: 5 } as never)).toThrow(ConfigError);
  });
});
