/**
 * A long job's memory is flat: between 25 % and 75 % of a few million records, no thread's
 * heap (after a full collection) grows by more than a small margin. Before the fix each wait
 * of an actor was raced against a promise that lived as long as the actor, and every race kept
 * the batch it resolved with: about 8 MB per million records on each worker of these jobs.
 * The same path into Cassandra is in test/connectors/cassandra/heap.cassandra.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { expectFlat, measureHeap } from '../../fixtures/heap.ts';

const COUNT = 3_000_000;
/** discard() is fast: more records give the progress events time to reach both marks. */
const DISCARD_COUNT = 6_000_000;
const WORKERS = 2;

describe('heap of a long job', () => {
  it('stays flat for a generator into discard()', async () => {
    const readings = await measureHeap({ path: 'discard', count: DISCARD_COUNT, workers: WORKERS });
    const records = readings.table.reduce<number>(
      (sum, r) => sum + (r as { records: number }).records,
      0,
    );
    expect(records).toBe(DISCARD_COUNT);
    expectFlat(readings, WORKERS);
  });

  it('stays flat for a keyed reduce over few keys', async () => {
    const readings = await measureHeap({ path: 'keyed', count: COUNT, keys: 7, workers: WORKERS });
    const records = readings.table.reduce<number>(
      (sum, r) => sum + (r as { records: number }).records,
      0,
    );
    // reduce emits every update.
    expect(records).toBe(COUNT);
    expectFlat(readings, WORKERS);
  });
});
