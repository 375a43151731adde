/**
 * `new Worker(file.ts)` for TypeScript entry files: the worker starts from a one-line
 * bootstrap that imports register-tsx.mjs (the one place a thread learns TypeScript, shared
 * with piscina's workers), then the file.
 */

import { Worker, type WorkerOptions } from 'node:worker_threads';

const REGISTER_TSX = new URL('./register-tsx.mjs', import.meta.url).href;

export function tsWorker(file: URL | string, options: WorkerOptions = {}): Worker {
  const href = typeof file === 'string' ? file : file.href;
  const bootstrap = `import(${JSON.stringify(REGISTER_TSX)}).then(() => import(${JSON.stringify(href)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
