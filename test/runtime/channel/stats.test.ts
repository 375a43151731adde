/** Backpressure and idle time, measured across a producer worker and a consumer here. */

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../../runtime/channel/create.ts';
import type { Step } from '../../fixtures/channel/plan.ts';
import { drainAll, ProducerWorker, readerFor } from './helpers.ts';

let producer: ProducerWorker;
beforeAll(() => {
  producer = new ProducerWorker();
});
afterAll(() => producer.close());

// Timers may fire up to a millisecond early; the slack keeps the bound honest, not loose.
const DELAY_MS = 80;
const SLACK_MS = 5;

describe('channel stats', () => {
  it('counts the time a producer waits on a slow consumer as backpressure', async () => {
    const handle = createChannel({ segmentSize: 128, segmentCount: 2 });
    const reader = readerFor(handle);
    const steps: Step[] = [
      ...Array.from({ length: 50 }, (): Step => ({ t: 'record', size: 40 })),
      { t: 'end' },
    ];
    let inUse = -1;
    let onBlocked!: () => void;
    const blocked = new Promise<void>((resolve) => (onBlocked = resolve));
    const result = producer.run({ handle, steps, reportBlocked: true }, (segmentsInUse) => {
      inUse = segmentsInUse;
      onBlocked();
    });
    await blocked;
    expect(inUse).toBe(2);
    // The slow consumer: the producer is parked for credit during this whole delay.
    await sleep(DELAY_MS);
    const got = await drainAll(reader);
    const outcome = await result;
    expect(outcome.type).toBe('done');
    expect(got.length).toBe(51);
    expect(outcome.stats.recordsOut).toBe(50);
    // 40 B records + 4 B headers: two per 128 B segment, then the end event.
    expect(outcome.stats.segmentsPublished).toBe(reader.stats().segmentsConsumed);
    expect(outcome.stats.backpressuredMs).toBeGreaterThanOrEqual(DELAY_MS - SLACK_MS);
  });

  it('counts the time a consumer waits on a slow producer as idle', async () => {
    const handle = createChannel({ segmentSize: 128, segmentCount: 2 });
    const reader = readerFor(handle);
    const steps: Step[] = [{ t: 'sleep', ms: DELAY_MS }, { t: 'record', size: 1 }, { t: 'end' }];
    const result = producer.run({ handle, steps });
    const got = await drainAll(reader);
    expect((await result).type).toBe('done');
    expect(got.length).toBe(2);
    expect(reader.stats()).toMatchObject({ recordsIn: 1, segmentsConsumed: 1 });
    expect(reader.stats().idleMs).toBeGreaterThanOrEqual(DELAY_MS - SLACK_MS);
  });
});
