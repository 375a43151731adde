/**
 * The baseline host: the same measuring loop on a plain worker thread, as `sluice bench` ran
 * before it ran on actors. Runs `runLoop` from the shared start instant and posts the result.
 */
import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { monotonicFromEpochMs, systemClock } from '../../cli/bench/clock.ts';
import { type LoopPlan, runLoop } from '../../cli/bench/loop.ts';
import { type StallSpec, stalledWorkload } from './stalled-workload.ts';

const { plan, stall } = workerData as { plan: Omit<LoopPlan, 'startUs'>; stall: StallSpec };
const port = parentPort!;
// Loaded: say so, and wait for the start instant shared by all threads.
port.postMessage('ready');
const [startAtEpochMs] = (await once(port, 'message')) as [number];
const result = await runLoop(
  { ...plan, startUs: monotonicFromEpochMs(startAtEpochMs) },
  stalledWorkload(stall),
  systemClock,
);
port.postMessage(result);
port.close();
