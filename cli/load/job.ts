/**
 * The job behind `sluice load`: files (or stdin) → rows → the Cassandra sink.
 *
 * Every worker imports this module and builds the same graph from the same params, which are
 * plain data prepared by the command (cli/load/run.ts): the inputs are resolved there
 * once, so every reader splits the same list.
 *
 * Each row carries "file:line" in `_source` (no CQL column can have that name: an unquoted
 * identifier starts with a letter), so a row the sink cannot convert or write lands in the
 * bad-records file with the line it came from and the reason. A record the readers cannot
 * read at all (malformed CSV or JSON, invalid UTF-8, over the size limit) goes to the
 * source's rejects and on to connector.bad, and the load reads on. CSV fields equal to the
 * null value become null before the sink sees them.
 */

import type { CassandraOptions } from '../../connectors/cassandra/config.ts';
import { dryRun } from '../../connectors/cassandra/dry-run-sink.ts';
import { cassandra } from '../../connectors/cassandra/sink.ts';
import type { CsvOptions, Row } from '../../connectors/files/csv-format.ts';
import { csv } from '../../connectors/files/csv-source.ts';
import { jsonlFile } from '../../connectors/files/jsonl-sink.ts';
import { jsonl } from '../../connectors/files/jsonl-source.ts';
import { stdin } from '../../connectors/files/stdio.ts';
import { pipeline } from '../../operators/pipeline.ts';
import { OutputTag } from '../../operators/types.ts';
import type { MalformedRecord, Source } from '../../runtime/graph/connector.ts';

export const SOURCE_FIELD = '_source';
const MAX_RECORD_BYTES = 16 << 20;

export type LoadJobParams = {
  format: 'csv' | 'jsonl';
  /** Regular files, already resolved; empty when reading stdin. */
  files: string[];
  isStdin: boolean;
  /** CSV: true to read names from the first line, or the names ("0", "1", … by position). */
  header: true | string[];
  delimiter: string;
  /** CSV fields equal to this become null. */
  nullValue: string;
  /** Where records the readers cannot read go (connector.bad). */
  malformedFile: string;
  /** CSV: DSBulk's connector.csv settings beyond the delimiter. */
  csv: {
    quote: string;
    escape: string;
    comment: string;
    ltrim: boolean;
    maxCharsPerColumn: number;
    skipRecords: number;
    maxRecords: number;
  };
  /** The sink's options, plain data (a TLS CA travels as PEM text). */
  sink: CassandraOptions;
  isDryRun: boolean;
};

function source(params: LoadJobParams): Source<Row> {
  const { comment, maxCharsPerColumn, skipRecords, maxRecords } = params.csv;
  const csvOptions: CsvOptions = {
    header: params.header,
    delimiter: params.delimiter,
    quote: params.csv.quote,
    escape: params.csv.escape,
    ltrim: params.csv.ltrim,
    // Blank lines are no records, as in DSBulk: a trailing empty line is not a bad row.
    skipEmptyLines: true,
    maxRecordBytes: MAX_RECORD_BYTES,
    ...(comment === '' ? {} : { comment }),
    ...(maxCharsPerColumn > 0 ? { maxCharsPerColumn } : {}),
  };
  const limits = {
    ...(skipRecords > 0 ? { skipRecords } : {}),
    ...(maxRecords >= 0 ? { maxRecords } : {}),
  };
  if (params.isStdin) {
    return params.format === 'csv'
      ? stdin({ format: 'csv', ...csvOptions, sourceField: SOURCE_FIELD })
      : stdin({ format: 'jsonl', maxRecordBytes: MAX_RECORD_BYTES, sourceField: SOURCE_FIELD });
  }
  return params.format === 'csv'
    ? csv(params.files, { ...csvOptions, ...limits, sourceField: SOURCE_FIELD })
    : jsonl<Row>(params.files, { sourceField: SOURCE_FIELD });
}

/** Fields equal to `nullValue` become null: a CSV file has no other way to say null. */
export function nullFields(row: Row, nullValue: string): Row {
  for (const key in row) if (row[key] === nullValue) row[key] = null;
  return row;
}

/** Records the readers cannot read: to connector.bad, by one instance. */
const unreadable = new OutputTag<MalformedRecord>('unreadable');
export const MALFORMED_SINK = 'malformed';

/** A line of connector.bad: the fields of a bad row's line, the record's text in `_record`. */
function badLine(record: MalformedRecord) {
  return { _source: record.source, _error: record.error, _record: record.record };
}

export default pipeline<LoadJobParams>((p, params) => {
  const input = p.from(source(params), { rejects: unreadable });
  input
    .sideOutput(unreadable)
    .map(badLine, { name: 'bad-lines', parallelism: 1 })
    .to(jsonlFile(params.malformedFile), { name: MALFORMED_SINK, parallelism: 1 });
  let rows = input;
  if (params.format === 'csv') {
    const nullValue = params.nullValue;
    rows = rows.map((row) => nullFields(row, nullValue), { name: 'nulls' });
  }
  rows.to(params.isDryRun ? dryRun(params.sink) : cassandra(params.sink));
});
