/**
 * Runs a benchmark's per-worker part on N worker threads and collects their results.
 *
 * This is the one place that knows about threads, so that the actor runtime can take its
 * place: it prepares every worker, starts them all at one wall-clock instant once every one
 * is ready (so connecting is never measured), and fails as a whole when one worker fails.
 */
import { Worker } from 'node:worker_threads';
import { fromSerialized, WorkerExitedError } from '../../runtime/errors.ts';
import type { Progress } from './session.ts';
import type { HostData, ToHost, ToParent } from './threadMessages.ts';

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

// The ESM build: `require.resolve` would name the CommonJS one, which cannot register hooks.
const TSX_API = import.meta.resolve('tsx/esm/api');
const HOST = new URL('./threadHost.ts', import.meta.url).href;

/**
 * The thread's entry. On Node 20 neither `execArgv: ['--import', 'tsx']` nor the parent's
 * tsx reach a `new Worker(file.ts)` (ERR_UNKNOWN_FILE_EXTENSION): the thread registers tsx
 * itself, then imports the TypeScript host.
 */
const BOOTSTRAP =
  `import(${JSON.stringify(TSX_API)})` +
  `.then((tsx) => { tsx.register(); return import(${JSON.stringify(HOST)}); })`;

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
      return new Worker(BOOTSTRAP, { eval: true, workerData: data });
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
