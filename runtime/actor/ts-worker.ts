/**
 * `new Worker(file.ts)` for TypeScript entry files.
 *
 * On Node 20 neither `execArgv: ['--import', 'tsx']` nor the parent's own tsx reach a worker
 * whose entry is a .ts file (ERR_UNKNOWN_FILE_EXTENSION), so the worker starts from a
 * two-line bootstrap that registers tsx in that thread, then imports the file. (piscina's
 * workers do the same in worker-bootstrap.mjs.)
 */

import { Worker, type WorkerOptions } from 'node:worker_threads';

const TSX_API = import.meta.resolve('tsx/esm/api');

export function tsWorker(file: URL | string, options: WorkerOptions = {}): Worker {
  const href = typeof file === 'string' ? file : file.href;
  const bootstrap =
    `import(${JSON.stringify(TSX_API)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
