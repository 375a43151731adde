/**
 * Running a job from a Node application: `run()` returns a handle with progress events,
 * stats(), cancel() and the result.
 *
 *   npx tsx examples/embed.ts .sluice/demo/readings-200000.csv
 */

import { run } from '../index.ts';
import type { Params } from './top-sites.ts';

const file = process.argv[2] ?? '.sluice/demo/readings-200000.csv';
const params: Params = { file };
const job = run(new URL('./top-sites.ts', import.meta.url), { params });
job.on('progress', (stats) => process.stderr.write(`${stats.recordsOut} records\n`));

const result = await job.result;
const sites = Object.values(result.sinks)
  .filter((sink) => sink.operatorId.startsWith('collect'))
  .flatMap((sink) => sink.instances.flat()) as Array<{ site: string; mean: number }>;
for (const { site, mean } of sites.sort((a, b) => b.mean - a.mean)) {
  console.log(`${site.padEnd(12)} ${mean.toFixed(2)} °C`);
}
