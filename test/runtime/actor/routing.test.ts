/**
 * A sink's partitioner (the `replica` partitioning a Cassandra sink uses): prepared once on
 * the main thread, opened on every producing worker (the fixture's `open` fails the job
 * otherwise), and every record lands on the instance it chose.
 */

import { describe, expect, it } from 'vitest';
import { run } from '../../../index.ts';
import type { Received, RoutingParams } from '../../fixtures/jobs/routing.ts';

const job = new URL('../../fixtures/jobs/routing.ts', import.meta.url);
const table = [3, 1, 4, 1, 5, 9, 2];

describe('sink partitioner', () => {
  it('routes every record to the instance the prepared table names', async () => {
    const params: RoutingParams = { count: 5000, instances: 3 };
    const result = await run(job, { params, workers: 2, progressIntervalMs: 0 }).result;
    const sink = Object.values(result.sinks).find((s) => s.operatorId.startsWith('routed#'))!;
    const instances = sink.instances as Received[];
    expect(instances).toHaveLength(3);
    const seen: number[] = [];
    for (const received of instances) {
      for (const key of received.keys) {
        expect(table[key % 7]! % 3).toBe(received.instance);
        seen.push(key);
      }
    }
    // Every record arrived exactly once.
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
