/**
 * insert-ts: time-series rows. Operation k writes row k mod N of series ⌊k / N⌋ (N = rows per
 * partition): partition key = series id, clustering key = a timestamp one second after the
 * previous row's, and a payload of --value-size bytes.
 */
import { bytesFor, randomFor, textFor } from '../random.ts';
import { createKeyspace, keyOf, prepareOnly, statementOptions } from './schema.ts';
import type { Workload, WorkloadOptions } from './types.ts';

/** A fixed origin, so the same seed writes the same rows on every run. */
export const SERIES_ORIGIN_MS = Date.UTC(2026, 0, 1);
export const SERIES_STEP_MS = 1_000;

export interface SeriesRow {
  series: number;
  timestampMs: number;
  value: number;
}

export function seriesRow(options: WorkloadOptions, seq: number): SeriesRow {
  const row = seq % options.rowsPerPartition;
  return {
    series: Math.floor(seq / options.rowsPerPartition),
    timestampMs: SERIES_ORIGIN_MS + row * SERIES_STEP_MS,
    value: randomFor(options.seed, seq).next() * 100,
  };
}

function tableOf(options: WorkloadOptions): string {
  return options.table ?? (options.valueType === 'blob' ? 'ts' : 'ts_text');
}

export const insertTimeSeries: Workload = {
  name: 'insert-ts',
  summary: 'writes time series: --rows-per-partition rows per series, one per second',
  table: tableOf,
  schema: (options) => [
    createKeyspace(options),
    `CREATE TABLE IF NOT EXISTS ${options.keyspace}.${tableOf(options)} ` +
      `(series bigint, ts timestamp, value double, payload ${options.valueType}, ` +
      'PRIMARY KEY ((series), ts)) WITH CLUSTERING ORDER BY (ts DESC)',
  ],
  async open(client, options) {
    const table = `${options.keyspace}.${tableOf(options)}`;
    const insert = `INSERT INTO ${table} (series, ts, value, payload) VALUES (?, ?, ?, ?)`;
    const queryOptions = statementOptions(options, true);
    await prepareOnly(client, insert, queryOptions);
    const { seed, valueSize, valueType } = options;
    const payloadOf =
      valueType === 'blob'
        ? (seq: number) => bytesFor(seed, seq, valueSize)
        : (seq: number) => textFor(seed, seq, valueSize);
    return {
      kinds: ['write'],
      kindOf: () => 0,
      async execute(seq) {
        const row = seriesRow(options, seq);
        const params = [keyOf(row.series), new Date(row.timestampMs), row.value, payloadOf(seq)];
        await client.execute(insert, params, queryOptions);
        return true;
      },
    };
  },
};
