/**
 * How precisely `sluice bench` times operations when it runs on runtime actors, against the
 * same measuring loop on plain worker threads (the host it had before):
 * `npx tsx bench/bench-timing.ts [--rate 2000] [--seconds 6] [--workers 2] [--json]`
 *
 * Both hosts run the fixed-rate schedule against a simulated server on the real clock: 1 ms
 * per operation, and a 1 s stall 2 s into the run. Coordinated omission done right shows the
 * stall as about R·S/2 operations with a latency over S/2 (R the rate, S the stall), whatever
 * the host; what the host adds shows as the send lag (median latency − median service time:
 * how late an operation leaves after its intended start on a quiet server) and in the service
 * time above the simulated 1 ms (timer and event-loop delay).
 */

import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { RunShape } from '../cli/bench/job.ts';
import { type BenchMeasurements, mergeResults } from '../cli/bench/merge.ts';
import type { WorkerResult } from '../cli/bench/recorder.ts';
import { shareOf } from '../cli/bench/schedule.ts';
import { run } from '../index.ts';
import { tsWorker } from '../runtime/actor/ts-worker.ts';
import { countAbove, decodeHistogram } from '../runtime/metrics/histogram.ts';
import type { TimingJobParams } from './timing/job.ts';
import type { StallSpec } from './timing/stalled-workload.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '6' },
    workers: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const stall: StallSpec = { serviceMs: 1, stallAtMs: 2000, stallMs: 1000 };
const shape: RunShape = {
  warmupUs: 0,
  durationUs: seconds * 1e6,
  count: undefined,
  concurrency: 64 * workers,
  rate,
  workers,
};

async function onThreads(): Promise<WorkerResult[]> {
  const loopWorker = new URL('./timing/loop-worker.ts', import.meta.url);
  const threads = Array.from({ length: workers }, (_, worker) =>
    tsWorker(loopWorker, {
      workerData: {
        stall,
        plan: {
          warmupUs: 0,
          durationUs: shape.durationUs,
          concurrency: shareOf(shape.concurrency, worker, workers),
          rate,
          worker,
          workers,
        },
      },
    }),
  );
  const results = threads.map((t) => once(t, 'message').then(() => once(t, 'message')));
  // Every thread loaded (its first message): start all at one instant, as the job does.
  await Promise.all(threads.map((t) => once(t, 'message')));
  const startAtEpochMs = Date.now() + 20;
  for (const t of threads) t.postMessage(startAtEpochMs);
  return (await Promise.all(results)).map(([result]) => result as WorkerResult);
}

async function onActors(): Promise<WorkerResult[]> {
  const params: TimingJobParams = {
    workload: 'stalled',
    workloadOptions: {} as TimingJobParams['workloadOptions'],
    connection: {},
    run: shape,
    stall,
  };
  const result = await run(new URL('./timing/job.ts', import.meta.url), { params, workers }).result;
  return Object.values(result.sinks)[0]!.instances as WorkerResult[];
}

function figures(m: BenchMeasurements) {
  const latency = decodeHistogram(m.histograms.latency);
  const lateOps = countAbove(latency, (stall.stallMs * 1000) / 2);
  return {
    ops: m.ops,
    lateOps,
    lateExpected: (rate * stall.stallMs) / 1000 / 2,
    sendLagP50Us: m.latencyUs.p50 - m.serviceUs.p50,
    serviceP50Us: m.serviceUs.p50,
    serviceP99Us: m.serviceUs.p99,
    latencyP99Us: m.latencyUs.p99,
    latencyMaxUs: m.latencyUs.max,
  };
}

const threads = figures(mergeResults(await onThreads()));
const actors = figures(mergeResults(await onActors()));
const rows = Object.keys(threads) as (keyof typeof threads)[];
console.log(
  `harness timing: ${rate} ops/s for ${seconds} s on ${workers} workers, 1 ms service, ` +
    `a ${stall.stallMs} ms stall at ${stall.stallAtMs} ms`,
);
console.log(`${'figure'.padEnd(16)}${'threads'.padStart(12)}${'actors'.padStart(12)}`);
for (const key of rows) {
  console.log(
    `${key.padEnd(16)}${String(threads[key]).padStart(12)}${String(actors[key]).padStart(12)}`,
  );
}
const ratios = {
  lateOpsAccuracy: {
    threads: threads.lateOps / threads.lateExpected,
    actors: actors.lateOps / actors.lateExpected,
  },
  serviceP50: actors.serviceP50Us / threads.serviceP50Us,
  sendLagP50: actors.sendLagP50Us / Math.max(1, threads.sendLagP50Us),
};
console.log(
  `late ops / expected: threads ${ratios.lateOpsAccuracy.threads.toFixed(3)}, actors ${ratios.lateOpsAccuracy.actors.toFixed(3)}; ` +
    `service p50 actors/threads ${ratios.serviceP50.toFixed(2)}`,
);
if (values.json) console.log(JSON.stringify({ rate, seconds, workers, threads, actors, ratios }));
