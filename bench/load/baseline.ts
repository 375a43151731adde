/**
 * The baseline of bench/load.ts: the loader a Node user writes for one table when there is no
 * bulk-load tool. One thread streams the file through csv-parse, converts each record's
 * strings to the column types, and hands the rows to the driver's own bulk helper,
 * `executeConcurrent`, which keeps `concurrency` prepared INSERTs in flight and pauses the
 * stream at that limit. The driver's default policy is token-aware, so each INSERT goes to a
 * replica of its partition, as Sluice's do.
 *
 *   node --import tsx bench/load/baseline.ts <file.csv> <host,host,…> <keyspace.table> [concurrency]
 *
 * Its last line of output is one JSON object: `{"rows", "errors", "ms", "firstError"}`, where
 * `ms` runs from connected to the last acknowledgement, as the duration in Sluice's report
 * does. The columns are those of bench/load/data.ts.
 */

import { createReadStream } from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import cassandra from 'cassandra-driver';
import { parse } from 'csv-parse';

const [file, hosts, table, concurrencyText = '512'] = process.argv.slice(2);
if (file === undefined || hosts === undefined || table === undefined) {
  console.error('usage: baseline.ts <file.csv> <host,host,…> <keyspace.table> [concurrency]');
  process.exit(2);
}

const client = new cassandra.Client({
  contactPoints: hosts.split(','),
  localDataCenter: 'datacenter1',
  // bigint columns take BigInt values, which need no Long object per value.
  encoding: { useBigIntAsLong: true },
  // executeConcurrent takes no per-request options: consistency comes from the client. It is
  // `sluice load`'s default, and the INSERTs are idempotent, so timeouts may be retried.
  queryOptions: { consistency: cassandra.types.consistencies.localQuorum, isIdempotent: true },
});
await client.connect();
const started = performance.now();

const insert =
  `INSERT INTO ${table} (user_id, event_id, created_at, name, country, amount, quantity, is_active) ` +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

type Record = { [column: string]: string };

// The driver parses uuid and timestamp strings itself; numbers and booleans must be converted,
// and an empty field means null (csv-parse's `cast: true` would turn the 41-bit user ids into
// doubles, and "true" stays a string).
const toParams = new Transform({
  objectMode: true,
  transform(r: Record, _encoding, done) {
    done(null, [
      BigInt(r.user_id!),
      r.event_id,
      r.created_at,
      r.name,
      r.country === '' ? null : r.country,
      Number(r.amount),
      Number(r.quantity),
      r.is_active === 'true',
    ]);
  },
});
// pipeline() destroys every stream on an error, so a malformed file fails executeConcurrent.
const rows = pipeline(createReadStream(file), parse({ columns: true }), toParams, () => {});

const result = await cassandra.concurrent.executeConcurrent(client, insert, rows, {
  concurrencyLevel: Number(concurrencyText),
  raiseOnFirstError: false,
  // The default keeps the first 100 errors only; the count must be exact.
  maxErrors: Number.POSITIVE_INFINITY,
});
const ms = performance.now() - started;
await client.shutdown();

const errors = result.errors.length;
console.log(
  JSON.stringify({
    rows: result.totalExecuted - errors,
    errors,
    ms: Math.round(ms),
    firstError: errors > 0 ? String(result.errors[0]).split('\n', 1)[0] : undefined,
  }),
);
process.exitCode = errors > 0 ? 1 : 0;
