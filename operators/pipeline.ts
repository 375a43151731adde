/**
 * `pipeline(build)`: the job definition a job module exports by default. `build` receives the
 * DataStream API's entry point and the job's parameters, and runs on the main thread and on
 * every worker alike (see runtime/graph/job-module.ts).
 */

import { ConfigError } from '../runtime/errors.ts';
import { JOB_MARKER, type JobDefinition } from '../runtime/graph/job-module.ts';
import type { Params } from '../runtime/graph/types.ts';
import { GraphBuilder, PipelineBuilder } from './stream.ts';

export function pipeline<P extends object = Params>(
  build: (p: PipelineBuilder, params: P) => void,
): JobDefinition<P> {
  return {
    [JOB_MARKER]: true,
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
