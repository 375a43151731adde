/** The bench job (cli/bench/job.ts) over the stalled workload: the actor host under test. */
import { type BenchJobParams, benchJob } from '../../cli/bench/job.ts';
import { type StallSpec, stalledWorkload } from './stalled-workload.ts';

export type TimingJobParams = BenchJobParams & { stall: StallSpec };

export default benchJob<TimingJobParams>(async (params) => ({
  source: stalledWorkload(params.stall),
  close: async () => undefined,
}));
