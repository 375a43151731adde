/**
 * Exactly once, in order, unchanged: a producer worker and a consumer in the test thread,
 * random record sizes (0 bytes, exactly a segment, many segments), random flush points and
 * events, random drain batch sizes, and small rings so every run wraps around many times.
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../../runtime/channel/create.ts';
import { indexModulus, READ_INDEX, WRITE_INDEX } from '../../../runtime/channel/layout.ts';
import { findCorruption } from '../../fixtures/channel/pattern.ts';
import type { Step } from '../../fixtures/channel/plan.ts';
import { damagedCanaries, drainAll, ProducerWorker, readerFor } from './helpers.ts';

// Fixed so a failure replays; fast-check prints the seed and path of a counterexample.
const SEED = 20_261_121;

let producer: ProducerWorker;
beforeAll(() => {
  producer = new ProducerWorker();
});
afterAll(() => producer.close());

interface Scenario {
  segmentSize: number;
  segmentCount: number;
  lingerMs: number;
  steps: Step[];
  drainSizes: number[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    segmentSize: fc.constantFrom(64, 104, 128, 256),
    segmentCount: fc.integer({ min: 1, max: 4 }),
    lingerMs: fc.constantFrom(0, 1, 1000),
  })
  .chain(({ segmentSize, segmentCount, lingerMs }) => {
    const size = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
      { weight: 2, arbitrary: fc.integer({ min: segmentSize - 8, max: segmentSize + 8 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, segmentSize, segmentSize - 4) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 * segmentSize }) },
    );
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 20, arbitrary: size.map((n): Step => ({ t: 'record', size: n })) },
      { weight: 1, arbitrary: fc.constant<Step>({ t: 'flush' }) },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0, max: 2 ** 40 })
          .map((timestamp): Step => ({ t: 'watermark', timestamp })),
      },
      {
        weight: 1,
        arbitrary: fc.nat(1000).map((checkpointId): Step => ({ t: 'barrier', checkpointId })),
      },
    );
    return fc.record({
      segmentSize: fc.constant(segmentSize),
      segmentCount: fc.constant(segmentCount),
      lingerMs: fc.constant(lingerMs),
      steps: fc.array(step, { minLength: 400, maxLength: 900 }),
      drainSizes: fc.array(fc.constantFrom(1, 2, 7, Number.POSITIVE_INFINITY), {
        minLength: 1,
        maxLength: 5,
      }),
    });
  });

type Expected = { t: 'record'; index: number; size: number } | { t: 'event'; kind: string };

function expectedDeliveries(steps: Step[]): Expected[] {
  const out: Expected[] = [];
  let index = 0;
  for (const step of steps) {
    if (step.t === 'record') out.push({ t: 'record', index: index++, size: step.size });
    else if (step.t === 'watermark' || step.t === 'barrier') out.push({ t: 'event', kind: step.t });
  }
  out.push({ t: 'event', kind: 'end' });
  return out;
}

/** Runs one scenario; returns how many times the consumer went around the ring. */
async function check(s: Scenario, startIndex?: number): Promise<number> {
  const handle = createChannel({
    segmentSize: s.segmentSize,
    segmentCount: s.segmentCount,
    maxRecordSize: 4 * s.segmentSize + 8,
  });
  if (startIndex !== undefined) {
    const i32 = new Int32Array(handle.sab);
    Atomics.store(i32, WRITE_INDEX, startIndex);
    Atomics.store(i32, READ_INDEX, startIndex);
  }
  const reader = readerFor(handle);
  const steps: Step[] = [...s.steps, { t: 'end' }];
  let drains = 0;
  const produced = producer.run({ handle, steps, lingerMs: s.lingerMs });
  const got = await drainAll(reader, () => s.drainSizes[drains++ % s.drainSizes.length]!);
  const result = await produced;
  expect(result.type).toBe('done');

  const expected = expectedDeliveries(s.steps);
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    const have = got[i]!;
    if (want.t === 'record') {
      expect(have.t, `delivery ${i}`).toBe('record');
      if (have.t !== 'record') continue;
      expect(findCorruption(want.index, have.bytes, want.size), `record ${want.index}`).toBe(-1);
    } else {
      expect(have.t === 'event' && have.event.kind, `delivery ${i}`).toBe(want.kind);
    }
  }
  const events = got.flatMap((d) => (d.t === 'event' ? [d.event] : []));
  const sentEvents = s.steps.filter((step) => step.t === 'watermark' || step.t === 'barrier');
  sentEvents.forEach((step, i) => {
    expect(events[i]).toEqual(
      step.t === 'watermark'
        ? { kind: 'watermark', timestamp: step.timestamp }
        : { kind: 'barrier', checkpointId: step.t === 'barrier' ? step.checkpointId : -1 },
    );
  });
  expect(damagedCanaries(handle)).toEqual([]);
  const stats = reader.stats();
  expect(stats.recordsIn).toBe(result.stats.recordsOut);
  expect(stats.segmentsConsumed).toBe(result.stats.segmentsPublished);
  return stats.segmentsConsumed / s.segmentCount;
}

describe(`channel across worker threads (fast-check seed ${SEED})`, () => {
  it('delivers every record exactly once, in order, unchanged, with events in place', async () => {
    let laps = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        laps += await check(s);
      }),
      { seed: SEED, numRuns: 40, endOnFailure: true },
    );
    // Wrap-around is where ring bugs live: make sure the runs exercised it a lot.
    expect(laps / 40).toBeGreaterThan(100);
  });

  it('keeps going across the wrap of the free-running indices', async () => {
    const segmentCount = 3;
    const start = indexModulus(segmentCount) - 7;
    const steps: Step[] = Array.from({ length: 300 }, (_, i) => ({
      t: 'record',
      size: (i * 37) % 200,
    }));
    const laps = await check(
      { segmentSize: 64, segmentCount, lingerMs: 1000, steps, drainSizes: [3] },
      start,
    );
    expect(laps).toBeGreaterThan(100);
  });

  it('goes around a 2-segment ring thousands of times under sustained load', async () => {
    const handle = createChannel({ segmentSize: 64, segmentCount: 2, maxRecordSize: 1024 });
    const reader = readerFor(handle);
    const sizes = [0, 1, 20, 59, 60, 61, 64, 200];
    const steps: Step[] = Array.from({ length: 8000 }, (_, i) => ({
      t: 'record',
      size: sizes[i % sizes.length]!,
    }));
    steps.push({ t: 'end' });
    const produced = producer.run({ handle, steps, lingerMs: 1000 });
    let records = 0;
    let corrupt = 0;
    while (!reader.isEnded) {
      const n = reader.tryDrain(
        (bytes) => {
          if (findCorruption(records, bytes, sizes[records % sizes.length]!) >= 0) corrupt++;
          records++;
        },
        () => {},
      );
      if (n === 0) await reader.whenReadable();
    }
    expect((await produced).type).toBe('done');
    expect(records).toBe(8000);
    expect(corrupt).toBe(0);
    expect(reader.stats().segmentsConsumed / 2).toBeGreaterThan(1000);
    expect(damagedCanaries(handle)).toEqual([]);
  });
});
