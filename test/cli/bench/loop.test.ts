import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runLoop } from '../../../cli/bench/loop.ts';
import { countAbove, decodeHistogram } from '../../../runtime/metrics/histogram.ts';
import { FakeClock } from './fixtures/fake-clock.ts';
import { SimulatedServer } from './fixtures/simulated-server.ts';

const SECOND = 1_000_000;

describe('runLoop at a fixed rate: coordinated omission', () => {
  // R = 1000 ops/s, a stall of S = 1 s at t = 3 s: about R·S operations are due during the
  // stall, their lateness spreads evenly over 0 … S, so about R·S/2 of them wait more than
  // S/2. Only the few requests in flight when the stall begins see it in their service time.
  const rate = 1_000;
  const stallUs = SECOND;
  const concurrency = 4;

  async function stalledRun() {
    const clock = new FakeClock();
    const server = new SimulatedServer(clock, () => 100, {
      fromUs: 3 * SECOND,
      toUs: 3 * SECOND + stallUs,
    });
    const plan = {
      startUs: 0,
      warmupUs: 0,
      durationUs: 10 * SECOND,
      concurrency,
      rate,
      worker: 0,
      workers: 1,
    };
    const result = await clock.run(runLoop(plan, server, clock));
    return { result, server };
  }

  it('charges the stall to the operations that were due during it', async () => {
    const { result } = await stalledRun();
    expect(result.ops).toBe(10 * rate);
    const latency = decodeHistogram(result.latency);
    const expected = (rate * stallUs) / SECOND / 2;
    expect(countAbove(latency, stallUs / 2)).toBeGreaterThan(expected * 0.95);
    expect(countAbove(latency, stallUs / 2)).toBeLessThan(expected * 1.05);
    expect(latency.getValueAtPercentile(99)).toBeGreaterThan(0.85 * stallUs);
    expect(latency.maxValue).toBeGreaterThan(0.99 * stallUs);
  });

  it('keeps the stall out of the service time of all but the requests in flight', async () => {
    const { result } = await stalledRun();
    const service = decodeHistogram(result.service);
    expect(service.getValueAtPercentile(99.9)).toBeLessThan(200);
    expect(countAbove(service, 1_000)).toBeLessThanOrEqual(concurrency);
    expect(countAbove(service, 1_000)).toBeGreaterThan(0);
    expect(service.maxValue).toBeGreaterThan(0.99 * stallUs);
  });

  it('puts the late operations in the per-second series where they complete', async () => {
    const { result } = await stalledRun();
    // The backlog of the stalled second completes in second 4, beside second 4's own operations.
    const fourth = result.seconds.find((s) => s.second === 4)!;
    expect(fourth.ops).toBeGreaterThan(1.9 * rate);
    const fourthLatency = decodeHistogram(fourth.latency);
    expect(fourthLatency.getValueAtPercentile(75)).toBeGreaterThan(0.4 * stallUs);
    expect(fourthLatency.maxValue).toBeGreaterThan(0.99 * stallUs);
    expect(decodeHistogram(fourth.service).getValueAtPercentile(75)).toBeLessThan(200);
    const second = result.seconds.find((s) => s.second === 1)!;
    expect(second.ops).toBe(rate);
    expect(decodeHistogram(second.latency).maxValue).toBeLessThan(200);
  });
});

describe('runLoop properties', () => {
  it('never sends early, keeps the concurrency limit, issues each seq once, and latency ≥ service', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 5_000 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 5_000 }),
        async (rate, concurrency, workers, worker, maxServiceUs) => {
          fc.pre(worker < workers);
          const clock = new FakeClock();
          const server = new SimulatedServer(clock, (seq) => ((seq * 7919) % maxServiceUs) + 1);
          const plan = {
            startUs: 1_000,
            warmupUs: 0.1 * SECOND,
            durationUs: 0.2 * SECOND,
            concurrency,
            rate,
            worker,
            workers,
          };
          const result = await clock.run(runLoop(plan, server, clock));
          expect(server.maxInFlight).toBeLessThanOrEqual(concurrency);
          const intervalUs = SECOND / rate;
          const intendedOf = (seq: number) => plan.startUs + seq * intervalUs;
          const early = [...server.sentUs].filter(
            ([seq, sentUs]) => seq % workers !== worker || sentUs < intendedOf(seq) - 1e-6,
          );
          expect(early).toEqual([]);
          // Everything due before the end is issued, once; what is due in the warmup is not measured.
          const endUs = plan.startUs + plan.warmupUs + plan.durationUs;
          let due = 0;
          let dueInWarmup = 0;
          for (let seq = worker; intendedOf(seq) < endUs; seq += workers) {
            due++;
            if (intendedOf(seq) < plan.startUs + plan.warmupUs) dueInWarmup++;
          }
          expect(server.sentUs.size).toBe(due);
          expect(result.warmupOps).toBe(dueInWarmup);
          expect(result.ops).toBe(due - dueInWarmup);
          const latency = decodeHistogram(result.latency);
          const service = decodeHistogram(result.service);
          expect(latency.totalCount).toBe(result.ops);
          // The per-second series covers every measured operation once, in time order.
          const seconds = result.seconds.map((x) => x.second);
          expect(seconds).toEqual([...new Set(seconds)].sort((a, b) => a - b));
          expect(result.seconds.reduce((total, x) => total + x.ops, 0)).toBe(result.ops);
          expect(latency.mean).toBeGreaterThanOrEqual(service.mean - 1);
        },
      ),
      { seed: 1121, numRuns: 60 },
    );
  });

  it('loses no operation when the clock wakes a little before the instant, as timers do', async () => {
    const clock = new FakeClock();
    // systemClock resolves a sleep up to 50 µs early: model it.
    const early = {
      now: () => clock.now(),
      sleepUntil: (atUs: number, signal?: AbortSignal) => clock.sleepUntil(atUs - 40, signal),
    };
    const server = new SimulatedServer(clock, () => 100);
    const plan = { startUs: 0, warmupUs: 0, durationUs: SECOND, concurrency: 4, rate: 1_000 };
    const result = await clock.run(runLoop({ ...plan, worker: 1, workers: 2 }, server, early));
    expect(result.ops).toBe(500);
  });

  it('runs a counted maximum-throughput run with latency equal to service time', async () => {
    const clock = new FakeClock();
    const server = new SimulatedServer(clock, () => 250);
    const plan = { startUs: 0, warmupUs: 0, count: 1_000, concurrency: 10, worker: 0, workers: 1 };
    const result = await clock.run(runLoop(plan, server, clock));
    expect(result.ops).toBe(1_000);
    expect(server.maxInFlight).toBe(10);
    // 1000 ops, 10 at a time, 250 µs each.
    expect(result.elapsedUs).toBe(25_000);
    expect(decodeHistogram(result.latency).maxValue).toBe(250);
    expect(decodeHistogram(result.service).maxValue).toBe(250);
  });

  it('stops issuing when aborted, finishes what is in flight, and says it was interrupted', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const server = new SimulatedServer(clock, (seq) => {
      if (seq === 500) controller.abort(new Error('stop'));
      return 100;
    });
    const plan = {
      startUs: 0,
      warmupUs: 0,
      durationUs: 10 * SECOND,
      concurrency: 3,
      rate: 1_000,
      worker: 0,
      workers: 1,
    };
    const result = await clock.run(runLoop(plan, server, clock, { signal: controller.signal }));
    expect(result.isInterrupted).toBe(true);
    expect(result.ops).toBe(501);
  });

  it('counts failures apart from latencies and keeps a sample of their messages', async () => {
    const clock = new FakeClock();
    const source = {
      kinds: ['read', 'write'],
      kindOf: (seq: number) => seq % 2,
      async execute(seq: number) {
        await clock.sleepUntil(clock.now() + 10);
        if (seq % 10 === 3) throw new Error('Operation timed out');
        return seq % 10 !== 4;
      },
    };
    const plan = { startUs: 0, warmupUs: 0, count: 100, concurrency: 5, worker: 0, workers: 1 };
    const result = await clock.run(runLoop(plan, source, clock));
    expect(result.ops).toBe(90);
    expect(result.errors).toBe(10);
    expect(result.misses).toBe(10);
    expect(result.errorSamples).toEqual([{ message: 'Operation timed out', count: 10 }]);
    expect(result.kinds.map((k) => [k.name, k.ops, k.errors, k.misses])).toEqual([
      ['read', 50, 0, 10],
      ['write', 40, 10, 0],
    ]);
  });
});
