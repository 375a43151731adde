/**
 * Worker-thread side of `runOnThreads`: imports the per-worker module, prepares it, reports
 * ready, runs on the coordinator's start signal, and posts the result. Wire types are in
 * thread-messages.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../../runtime/errors.ts';
import type { PrepareWorker, WorkerSession } from './session.ts';
import type { HostData, ToHost, ToParent } from './thread-messages.ts';

/** How often the coordinator learns the counters: often enough for a per-second line. */
const PROGRESS_INTERVAL_MS = 250;

const port = parentPort!;
const { moduleUrl, spec } = workerData as HostData;
const post = (message: ToParent) => port.postMessage(message);
const abort = new AbortController();

let session: WorkerSession<unknown> | undefined;
try {
  const module = (await import(moduleUrl)) as { default: PrepareWorker<unknown, unknown> };
  session = await module.default(spec);
  const ready = session;
  port.on('message', (message: ToHost) => {
    if (message.type === 'abort') abort.abort(new Error('aborted by the coordinator'));
    else void run(ready, message.startAtEpochMs);
  });
  post({ type: 'ready' });
} catch (error) {
  await session?.close().catch(() => undefined);
  post({ type: 'error', error: serializeError(error) });
  port.close();
}

async function run(ready: WorkerSession<unknown>, startAtEpochMs: number): Promise<void> {
  const timer = setInterval(
    () => post({ type: 'progress', ...ready.progress() }),
    PROGRESS_INTERVAL_MS,
  );
  try {
    const result = await ready.run(startAtEpochMs, abort.signal);
    clearInterval(timer);
    post({ type: 'progress', ...ready.progress() });
    await ready.close();
    post({ type: 'result', result });
  } catch (error) {
    clearInterval(timer);
    await ready.close().catch(() => undefined);
    post({ type: 'error', error: serializeError(error) });
  }
  // Closing the port lets the thread exit once the driver's sockets are gone.
  port.close();
}
