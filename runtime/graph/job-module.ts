/**
 * The job-module contract. A job is a module whose default export is a `JobDefinition`: the
 * module is imported on the main thread (to plan) and on every worker (to run), and `build`
 * runs on each, so user functions never cross threads; only `params` does, as plain data.
 * The engine knows nothing of how a definition builds its graph (the DataStream API's
 * `pipeline()` in operators/ makes one); it imports the module and asks for the graph.
 */

import { isMainThread } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';
import { ConfigError } from '../errors.ts';
import type { LogicalGraph, Params } from './types.ts';

/** Marks a job definition across copies of this module (a job may load its own copy). */
export const JOB_MARKER = Symbol.for('sluice.job');

export interface JobDefinition<P extends object = Params> {
  readonly [JOB_MARKER]: true;
  build(params: P): LogicalGraph;
}

export function isJobDefinition(value: unknown): value is JobDefinition {
  return typeof value === 'object' && value !== null && JOB_MARKER in value;
}

/**
 * Import a job module and build its graph; `where` names the thread for errors.
 *
 * The fingerprint hashes the source text of user functions, which depends on how the module
 * was transpiled. Workers load job modules through tsx; the main thread must too, whatever
 * loader runs the caller (vitest, ts-node, Node's type stripping), or the texts would differ.
 */
export async function loadJob(url: string, params: Params, where: string): Promise<LogicalGraph> {
  let module: { default?: unknown };
  try {
    module = isMainThread ? await tsImport(url, import.meta.url) : await import(url);
  } catch (error) {
    throw new ConfigError(`cannot import job module ${url} on ${where}`, { cause: error });
  }
  if (!isJobDefinition(module.default)) {
    throw new ConfigError(`job module ${url} must \`export default pipeline((p, params) => …)\``);
  }
  return module.default.build(params);
}
