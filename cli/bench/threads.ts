import { tsWorker } from '../../runtime/actor/ts-worker.ts';
import { fromSerialized, WorkerExitedError } from '../../runtime/errors.ts';
import type { Progress } from './session.ts';
import type { HostData, ToHost, ToParent } from './thread-messages.ts';

export interface ThreadRunOptions {
  /** Aborting asks every worker to stop issuing operations and report what it measured. */
  signal?: AbortSignal | undefined;
  /** Called once all workers are ready, with the instant they start at. */
  onStart?: ((startAtEpochMs: number) => void) | undefined;
}

export interface ThreadRun<Result> {
  results: Promise<Result[]>;
  /** Sum of the workers' counters, at most a quarter of a second stale. */
  progress(): Progress;
}

const HOST = new URL('./thread-host.ts', import.meta.url).href;

/** Time between "all ready" and the start: the start message must reach every thread first. */
const START_DELAY_MS = 50;

export function runOnThreads<Spec, Result>(
  moduleUrl: URL,
  specs: readonly Spec[],
  options: ThreadRunOptions = {},
): ThreadRun<Result> {
  const latest: Progress[] = specs.map(() => ({ ops: 0, errors: 0 }));
  const results = new Promise<Result[]>((resolve, reject) => {
    const collected: Result[] = new Array(specs.length);
    let readyCount = 0;
    let resultCount = 0;
    let failure: Error | undefined;
    const workers = specs.map((spec) => {
      const data: HostData = { moduleUrl: moduleUrl.href, spec };
      return tsWorker(HOST, { workerData: data });
    });
    const send = (message: ToHost) => {
      for (const worker of workers) worker.postMessage(message);
    };
    const fail = (error: Error) => {
      if (failure !== undefined) return;
      failure = error;
      // The others may be mid-run: let them stop cleanly, and terminate those still preparing.
      send({ type: 'abort' });
      if (readyCount < workers.length) for (const worker of workers) void worker.terminate();
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const onAbort = () => send({ type: 'abort' });
    options.signal?.addEventListener('abort', onAbort, { once: true });

    workers.forEach((worker, index) => {
      let hasResult = false;
      worker.on('message', (message: ToParent) => {
        switch (message.type) {
          case 'ready':
            if (++readyCount === workers.length && failure === undefined) {
              const startAtEpochMs = Date.now() + START_DELAY_MS;
              options.onStart?.(startAtEpochMs);
              send({ type: 'start', startAtEpochMs });
              // An abort sent while a worker was still preparing found no listener yet.
              if (options.signal?.aborted) send({ type: 'abort' });
            }
            break;
          case 'progress':
            latest[index] = { ops: message.ops, errors: message.errors };
            break;
          case 'result':
            hasResult = true;
            collected[index] = message.result as Result;
            if (++resultCount === workers.length && failure === undefined) {
              options.signal?.removeEventListener('abort', onAbort);
              resolve(collected);
            }
            break;
          case 'error':
            hasResult = true;
            fail(fromSerialized(message.error));
            break;
        }
      });
      worker.on('error', (error) => fail(error));
      worker.on('exit', (exitCode) => {
        if (!hasResult) {
          fail(
            new WorkerExitedError(
              `benchmark worker ${index} exited with code ${exitCode} before reporting`,
              {
                exitCode,
              },
            ),
          );
        }
      });
    });
  });
  return {
    results,
    progress: () =>
      latest.reduce((sum, p) => ({ ops: sum.ops + p.ops, errors: sum.errors + p.errors }), {
        ops: 0,
        errors: 0,
      }),
  };
}
