/**
 * A failing job stops everything and says why: an operator error names the operator, the
 * instance and the record; a dead worker is a WorkerExitedError; a module that builds a
 * different graph on each import is refused; cancel() stops an endless job.
 */

import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  OperatorFailedError,
  run,
  type SluiceError,
  WorkerExitedError,
} from '../../../index.ts';
import type { FailingParams } from '../../fixtures/jobs/failing.ts';

const failing = new URL('../../fixtures/jobs/failing.ts', import.meta.url);
const random = new URL('../../fixtures/jobs/random.ts', import.meta.url);

async function rejection(promise: Promise<unknown>): Promise<SluiceError> {
  try {
    await promise;
  } catch (error) {
    return error as SluiceError;
  }
  throw new Error('the job succeeded but was expected to fail');
}

describe('job failures', () => {
  it('names the operator, the instance and the record when user code throws', async () => {
    const params: FailingParams = { mode: 'throw', count: 50_000, at: 31_337 };
    const error = await rejection(run(failing, { params, workers: 2 }).result);
    expect(error).toBeInstanceOf(OperatorFailedError);
    expect(error.code).toBe('ERR_OPERATOR_FAILED');
    expect(error.message).toMatch(
      /explode#1 instance [01] failed on a record: record 31337 is out of range/,
    );
    expect(error.details).toMatchObject({ operator: 'explode#1', record: { id: 31_337 } });
    expect([0, 1]).toContain(error.details?.instance);
    expect((error.cause as Error).message).toBe('record 31337 is out of range');
  });

  it('names the sink when its writer throws', async () => {
    const params: FailingParams = { mode: 'sink', count: 10_000, at: 777 };
    const error = await rejection(run(failing, { params, workers: 2 }).result);
    expect(error).toBeInstanceOf(OperatorFailedError);
    expect(error.message).toMatch(
      /operator picky#2 instance [01] failed on a record: picky refuses row 777/,
    );
    expect(error.details).toMatchObject({ operator: 'picky#2', record: { id: 777 } });
    expect((error.cause as SluiceError).code).toBe('ERR_CONNECTOR');
  });

  it('fails with WorkerExitedError when user code kills its worker, without hanging', async () => {
    const params: FailingParams = { mode: 'exit', count: 50_000, at: 20_000 };
    const error = await rejection(run(failing, { params, workers: 2 }).result);
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect(error.code).toBe('ERR_WORKER_EXITED');
    expect(error.details).toMatchObject({ exitCode: 3 });
    expect(error.message).toMatch(
      /worker [01] exited with code 3 while running actors .*explode#1\/[01]/,
    );
  });

  it('refuses a module that builds a different graph on each import', async () => {
    const error = await rejection(run(random, { workers: 2 }).result);
    expect(error.code).toBe('ERR_GRAPH_MISMATCH');
    expect(error.message).toMatch(/built a different graph on worker [01]/);
    expect(error.message).toMatch(/operator #1 \(step-\w+#1\) has id "step-\w+#1" instead of/);
    expect(error.message).toMatch(/Math\.random\(\)/);
  });

  it('cancel() stops an endless job and rejects its result', async () => {
    const params: FailingParams = { mode: 'endless', count: 0, at: -1 };
    const job = run(failing, { params, workers: 2, progressIntervalMs: 50 });
    // Wait until records flow through the keyed edge, so cancel interrupts real work.
    for (;;) {
      const [stats] = await once(job, 'progress');
      if (stats.recordsOut > 1000) break;
    }
    await job.cancel();
    const error = await rejection(job.result);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.code).toBe('ERR_CANCELLED');
    const stats = await job.stats();
    expect(stats.state).toBe('cancelled');
    expect(stats.actors.every((a) => a.state === 'cancelled')).toBe(true);
  });

  it('cancel() right after run() stops before any actor starts', async () => {
    const params: FailingParams = { mode: 'endless', count: 0, at: -1 };
    const job = run(failing, { params, workers: 2 });
    await job.cancel();
    const error = await rejection(job.result);
    expect(error.code).toBe('ERR_CANCELLED');
    expect((await job.stats()).state).toBe('cancelled');
  });
});
