/**
 * A job module: the warmest sites of a sensor CSV, computed on every core.
 *
 *   sluice run examples/top-sites.ts --param file=.sluice/demo/readings-200000.csv
 *
 * Every worker imports this module and rebuilds the same graph, so the functions below never
 * cross threads; parameters arrive as plain data.
 */

import { csv, type Row } from '../connectors/files/index.ts';
import { collect } from '../connectors/memory/index.ts';
import { OutputTag, pipeline, type Rejected } from '../index.ts';

export type Params = { file: string };

interface Reading {
  site: string;
  temperature: number;
}

/** Readings whose temperature is not a number go here instead of failing the job. */
export const unreadable = new OutputTag<Rejected<Row>>('unreadable');

export default pipeline((p, params: Params) => {
  const readings = p.from(csv(params.file, { columns: { temperature: 'double' } })).map(
    (row): Reading => {
      if (row.temperature === null) throw new Error('no temperature');
      return { site: String(row.site), temperature: Number(row.temperature) };
    },
    { rejects: unreadable },
  );
  readings
    .keyBy((r) => r.site)
    .aggregate({
      create: () => ({ site: '', sum: 0, count: 0 }),
      add: (acc, r) => ({ site: r.site, sum: acc.sum + r.temperature, count: acc.count + 1 }),
      result: (acc) => ({ site: acc.site, mean: acc.sum / acc.count, readings: acc.count }),
    })
    .to(collect());
  readings.sideOutput(unreadable).to(collect(), { name: 'unreadable' });
});
