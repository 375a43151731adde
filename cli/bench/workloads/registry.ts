/** The workloads `sluice bench` knows, by name. */
import { ConfigError } from '../../../runtime/errors.ts';
import { insertKeyValue } from './insert-key-value.ts';
import { insertTimeSeries } from './insert-time-series.ts';
import { mixed } from './mixed.ts';
import { readByKey } from './read-by-key.ts';
import type { Workload } from './types.ts';

export const WORKLOADS: readonly Workload[] = [insertKeyValue, insertTimeSeries, readByKey, mixed];

export function workloadByName(name: string): Workload {
  const workload = WORKLOADS.find((w) => w.name === name);
  if (workload === undefined) {
    throw new ConfigError(
      `unknown workload "${name}"; known workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`,
      { details: { option: 'workload' } },
    );
  }
  return workload;
}
