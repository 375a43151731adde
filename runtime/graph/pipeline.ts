/**
 * A job is a module whose default export is `pipeline(build)`. The module is imported on
 * the main thread (to plan) and on every worker (to run), and `build` runs on each, so user
 * functions never cross threads; only `params` does, as plain data.
 */

import { isMainThread } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';
import { ConfigError } from '../errors.ts';
import { GraphBuilder, PipelineBuilder } from './stream.ts';
import type { LogicalGraph, Params } from './types.ts';

const jobMarker = Symbol.for('sluice.job');

export interface JobDefinition<P extends object = Params> {
  readonly [jobMarker]: true;
  build(params: P): LogicalGraph;
}

export function pipeline<P extends object = Params>(
  build: (p: PipelineBuilder, params: P) => void,
): JobDefinition<P> {
  return {
    [jobMarker]: true,
    build(params) {
      const builder = new GraphBuilder();
      build(new PipelineBuilder(builder), params);
      const { nodes } = builder.graph;
      if (!nodes.some((n) => n.kind === 'sink')) {
        throw new ConfigError('the pipeline has no sink: end at least one stream with .to(sink)');
      }
      return builder.graph;
    },
  };
}

export function isJobDefinition(value: unknown): value is JobDefinition {
  return typeof value === 'object' && value !== null && jobMarker in value;
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
