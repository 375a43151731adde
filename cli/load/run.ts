/**
 * `sluice load`, from a validated plan to an exit code: resolve the inputs, find the cluster
 * (starting the local one when none is named), run the load job on the worker threads with
 * live progress, enforce maxErrors across all sink instances, then print the summary and
 * write the report.
 *
 * maxErrors is a limit on the whole load, as in DSBulk, while each sink instance counts only
 * its own bad rows. So the instances are given no limit, and this thread adds up their
 * counts at each progress tick (every 500 ms) and at the end, and cancels the load once the
 * sum passes the limit. Rows whose writes were in flight at that moment may still land;
 * writes are idempotent, so loading the file again is safe.
 */

import { appendFile, readdir, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { connect } from '../../connectors/cassandra/client.ts';
import {
  type CassandraOptions,
  resolveConfig,
  resolveConnection,
} from '../../connectors/cassandra/config.ts';
import { formatMaxErrors, isOverBudget } from '../../connectors/cassandra/error-budget.ts';
import { checkFields, positionalWidth } from '../../connectors/cassandra/mapping.ts';
import { RowMapper, readTableSchema } from '../../connectors/cassandra/schema.ts';
import {
  type InputFile,
  isStdin as isStdinInput,
  resolveInputs,
} from '../../connectors/files/inputs.ts';
import { ConfigError, SluiceError } from '../../runtime/errors.ts';
import { run } from '../../runtime/job/job.ts';
import type { JobStats } from '../../runtime/metrics/types.ts';
import { resolveTarget } from '../connection-options.ts';
import { type LoadJobParams, MALFORMED_SINK } from './job.ts';
import {
  type BadCounts,
  createOperationDirectory,
  finishBadFiles,
  type OperationDirectory,
} from './log-directory.ts';
import { describePlan, type LoadPlan } from './options.ts';
import { estimateRows, firstRecord, firstRecordWidth } from './peek.ts';
import { progressView, snapshotOf } from './progress.ts';
import {
  EXIT,
  formatSummary,
  type LoadReport,
  type LoadStatus,
  type SinkTotals,
  sinkTotals,
  writeReport,
} from './report.ts';

const JOB_URL = new URL('./job.ts', import.meta.url);
/** Bytes read from the start of each file to find its header. */
const HEADER_BYTES = 64 << 10;
const PROGRESS_EVERY_MS = 500;

export interface LoadIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
}

/** Runs the load; resolves with the exit code (see `EXIT`). Never throws for a user error. */
export async function runLoad(plan: LoadPlan, io: LoadIo = defaultIo()): Promise<number> {
  let params: LoadJobParams;
  let estimatedRows: number | undefined;
  let op: OperationDirectory;
  try {
    const prepared = await prepare(plan, io);
    params = prepared.params;
    estimatedRows = prepared.estimatedRows;
    op = await createOperationDirectory(plan.logDirectory);
    params.malformedFile = op.connectorBad;
    if (plan.badFile === undefined) params.sink.badFile = op.sinkBadFile;
    else await removeStaleBadFiles(plan.badFile);
    io.stderr.write(
      `[load] ${prepared.what} into ${plan.keyspace}.${plan.table}${plan.isDryRun ? ' (dry run)' : ''}\n`,
    );
  } catch (error) {
    io.stderr.write(`sluice load: ${messageOf(error)}\n`);
    return EXIT.fatal;
  }

  // From here: starting a local cluster is not part of the load's duration or rate.
  const startedAt = Date.now();
  const job = run(JOB_URL, {
    params,
    workers: plan.workers,
    progressIntervalMs: PROGRESS_EVERY_MS,
  });
  const view = progressView({ stream: io.stderr, estimatedRows });
  let stopReason: LoadStatus | undefined;
  const sinkBadFile = params.sink.badFile!;
  // The sink's totals, with the records the readers could not read counted as bad.
  const totalsOf = (stats: JobStats): SinkTotals & { malformed: number } => {
    const totals = sinkTotals(stats, sinkIdOf(stats), sinkBadFile);
    const malformed = malformedCount(stats);
    return {
      ...totals,
      malformed,
      bad: totals.bad + malformed,
      received: totals.received + malformed,
      badFiles: malformed > 0 ? [op.connectorBad, ...totals.badFiles] : totals.badFiles,
    };
  };
  job.on('progress', (stats) => {
    const totals = totalsOf(stats);
    view.update(snapshotOf(stats, totals.written, totals.bad));
    if (stopReason === undefined && overLimit(totals, plan, false)) {
      stopReason = 'tooManyErrors';
      // Read no further; what was read is still written or reported, so the books balance.
      job.drain();
    }
  });
  const onInterrupt = () => {
    // A second Ctrl-C means now: do not wait for the writes in flight.
    if (stopReason === 'interrupted') process.exit(EXIT.interrupted);
    stopReason = 'interrupted';
    io.stderr.write(
      '\nsluice load: interrupted: reading no more, finishing the rows already read ' +
        '(Ctrl-C again to quit at once)…\n',
    );
    job.drain();
  };
  process.on('SIGINT', onInterrupt);

  let stats: JobStats;
  let failure: unknown;
  try {
    stats = (await job.result).metrics;
  } catch (error) {
    failure = error;
    stats = await job.stats();
  } finally {
    process.off('SIGINT', onInterrupt);
    view.stop();
  }

  const totals = totalsOf(stats);
  if (stopReason === undefined && overLimit(totals, plan, true)) stopReason = 'tooManyErrors';
  const status: LoadStatus =
    stopReason ?? (failure !== undefined ? 'fatal' : totals.bad > 0 ? 'completedWithErrors' : 'ok');
  const durationMs = Date.now() - startedAt;
  // The instances' bad files become DSBulk's mapping.bad and load.bad (not with --badFile).
  let badByKind: BadCounts = { connector: totals.malformed, mapping: 0, load: 0 };
  if (plan.badFile === undefined) {
    try {
      const sinkFiles = totals.badFiles.filter((f) => f !== op.connectorBad);
      const finished = await finishBadFiles(op, sinkFiles);
      badByKind = finished.counts;
      totals.badFiles = finished.files;
    } catch (finishError) {
      io.stderr.write(
        `sluice load: cannot sort the bad files in ${op.dir}: ${messageOf(finishError)}\n`,
      );
    }
  }
  let error: string | undefined;
  if (status === 'tooManyErrors') {
    error =
      `${totals.bad} bad rows exceed -maxErrors ${formatMaxErrors(plan.maxErrors)}` +
      (totals.badFiles.length > 0 ? `; see ${totals.badFiles.join(', ')}` : '');
  } else if (status === 'fatal') {
    error = messageOf(failure);
  }
  const report: LoadReport = {
    status,
    exitCode: EXIT[status],
    keyspace: plan.keyspace,
    table: plan.table,
    isDryRun: plan.isDryRun,
    inputs: params.isStdin ? ['-'] : params.files,
    workers: stats.workers,
    rowsRead: stats.recordsIn,
    written: totals.written,
    bad: totals.bad,
    badByKind,
    notWritten: {
      rejected: totals.badCauses.rejected,
      afterRetries: totals.badCauses.retriesExhausted,
    },
    retries: totals.retries,
    badFiles: totals.badFiles,
    logDirectory: op.dir,
    maxErrors: formatMaxErrors(plan.maxErrors),
    durationMs,
    rowsPerSecond: durationMs > 0 ? Math.round((totals.written * 1000) / durationMs) : 0,
    latency: totals.latency,
    insertQuery: totals.insertQuery,
    error,
    options: describePlan(plan),
  };
  // The error is said once, on stderr; the JSON report keeps it too.
  const summary = formatSummary({ ...report, error: undefined });
  io.stdout.write(`${summary}\n`);
  if (error !== undefined) io.stderr.write(`sluice load: ${error}\n`);
  try {
    await writeReport(join(op.dir, 'summary.json'), report);
    await appendFile(
      join(op.dir, 'operation.log'),
      `${summary}\n${error === undefined ? '' : `error: ${error}\n`}`,
    );
  } catch (logError) {
    io.stderr.write(`sluice load: cannot write to ${op.dir}: ${messageOf(logError)}\n`);
  }
  if (plan.reportPath !== undefined) {
    try {
      await writeReport(plan.reportPath, report);
    } catch (writeError) {
      io.stderr.write(
        `sluice load: cannot write the report ${plan.reportPath}: ${messageOf(writeError)}\n`,
      );
      return report.exitCode === EXIT.ok ? EXIT.fatal : report.exitCode;
    }
  }
  return report.exitCode;
}

function defaultIo(): LoadIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

function overLimit(totals: SinkTotals, plan: LoadPlan, isEnd: boolean): boolean {
  return isOverBudget(plan.maxErrors, totals.bad, totals.received, isEnd);
}

/** The Cassandra sink's operator id: the sink that is not connector.bad's. */
function sinkIdOf(stats: JobStats): string {
  for (const actor of stats.actors) {
    const id = Object.keys(actor.sinks).find((k) => !k.startsWith(`${MALFORMED_SINK}#`));
    if (id !== undefined) return id;
  }
  return '';
}

/** Records the readers could not read: those written to connector.bad. */
function malformedCount(stats: JobStats): number {
  let records = 0;
  for (const actor of stats.actors) {
    for (const [id, s] of Object.entries(actor.sinks)) {
      if (id.startsWith(`${MALFORMED_SINK}#`))
        records += Number((s as { records?: number }).records ?? 0);
    }
  }
  return records;
}

/**
 * The message a user reads: the error's first line (a driver error may append an inspected
 * inner error over many lines) and its code.
 */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const code = error instanceof SluiceError ? ` [${error.code}]` : '';
  return `${text.split('\n', 1)[0]}${code}`;
}

async function prepare(
  plan: LoadPlan,
  io: LoadIo,
): Promise<{ params: LoadJobParams; estimatedRows: number | undefined; what: string }> {
  const isStdin = isStdinInput(plan.inputs);
  const files: InputFile[] = isStdin
    ? []
    : await resolveInputs(plan.inputs, { recursive: plan.recursive, extensions: plan.extensions });
  let header: true | string[] = true;
  if (plan.isPositional) {
    const mapped = positionalWidth(plan.mapping!);
    const seen = files[0] === undefined ? 0 : await firstRecordWidth(files[0], plan.delimiter);
    header = Array.from({ length: Math.max(mapped, seen) }, (_, i) => String(i));
  }
  const estimate = isStdin
    ? undefined
    : await estimateRows(files, plan.format === 'csv' && plan.header ? 1 : 0);
  const estimatedRows = estimate?.rows;
  const what =
    estimate === undefined
      ? 'reading stdin'
      : `reading ${files.length} file${files.length === 1 ? '' : 's'} ` +
        `(${megabytes(estimate.bytes)} MB, ≈${estimate.rows.toLocaleString('en-US')} row${estimate.rows === 1 ? '' : 's'})`;
  const sink: CassandraOptions = {
    ...(await resolveTarget(plan, io, 'load')),
    keyspace: plan.keyspace,
    table: plan.table,
    // The limit is the load's, enforced here across instances (see the header).
    maxErrors: -1,
    badFile: plan.badFile,
  };
  if (plan.mapping !== undefined) sink.mapping = plan.mapping;
  sink.isMappedByName = plan.isMappedByName;
  if (plan.excludedColumns.length > 0) sink.excludedColumns = plan.excludedColumns;
  if (plan.query !== undefined) sink.query = plan.query;
  if (plan.ttlSeconds !== undefined) sink.ttlSeconds = plan.ttlSeconds;
  if (plan.timestampMicros !== undefined) sink.timestampMicros = plan.timestampMicros;
  sink.nulls = plan.nulls;
  // The load's throttles; the sink divides them among its instances.
  if (plan.maxConcurrentQueries !== undefined)
    sink.maxConcurrentQueries = plan.maxConcurrentQueries;
  if (plan.maxRowsPerSecond !== undefined) sink.maxRowsPerSecond = plan.maxRowsPerSecond;
  if (plan.maxBytesPerSecond !== undefined) sink.maxBytesPerSecond = plan.maxBytesPerSecond;
  await checkTarget(plan, files, sink, io);
  const params: LoadJobParams = {
    format: plan.format,
    files: files.map((f) => f.path),
    isStdin,
    header,
    delimiter: plan.delimiter,
    nullValue: plan.nullValue,
    sink,
    isDryRun: plan.isDryRun,
    // Set once the log directory exists (see runLoad).
    malformedFile: '',
    csv: plan.csv,
  };
  return { params, estimatedRows, what };
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}

/**
 * Plans the statement against the table before anything is read or written, so a mapping or
 * -query naming a column the table lacks, or a statement Cassandra would refuse, fails at
 * once (exit 3, nothing written). Then holds each distinct CSV header against the statement,
 * so a typo in a column name fails too, instead of loading nulls or filling the bad file
 * (see `checkFields`). Warnings go to stderr. stdin cannot be looked at ahead, and JSON
 * Lines records name their own fields: their fields are not checked.
 */
async function checkTarget(
  plan: LoadPlan,
  files: readonly InputFile[],
  sink: CassandraOptions,
  io: LoadIo,
): Promise<void> {
  const client = await connect(resolveConnection(sink), {
    onWarning: (message) => io.stderr.write(`[load] warning: ${message}\n`),
  });
  let schema: Awaited<ReturnType<typeof readTableSchema>>;
  try {
    schema = await readTableSchema(client, plan.keyspace, plan.table);
  } finally {
    await client.shutdown();
  }
  // The sink's own check, on the sink's own options: what the writers will plan.
  const statement = new RowMapper(schema, resolveConfig(sink)).statement;
  if (plan.format !== 'csv' || plan.isPositional || files.length === 0) return;
  const headers = new Map<string, string[]>();
  for (const file of files) {
    const fields = await firstRecord(file, plan.delimiter, HEADER_BYTES);
    // An empty file has no header and no rows: nothing to hold against the table.
    if (fields.length === 0 || (fields.length === 1 && fields[0] === '')) continue;
    const key = JSON.stringify(fields);
    const paths = headers.get(key);
    if (paths === undefined) headers.set(key, [file.path]);
    else paths.push(file.path);
  }
  const errors: string[] = [];
  for (const [key, paths] of headers) {
    const more = paths.length > 1 ? ` (and ${paths.length - 1} more files with this header)` : '';
    const where = `the header of ${paths[0]}${more}`;
    const names = JSON.parse(key) as string[];
    const twice = names.filter((name, i) => names.indexOf(name) !== i);
    if (twice.length > 0) {
      // Which of two fields of one name feeds the column cannot be guessed.
      errors.push(`${where} has a duplicate column name '${twice[0]}'`);
      continue;
    }
    const check = checkFields(statement, JSON.parse(key) as string[], plan, where);
    errors.push(...check.errors);
    for (const warning of check.warnings) io.stderr.write(`[load] warning: ${warning}\n`);
  }
  if (errors.length > 0) {
    throw new ConfigError(`the input does not fit the table: ${errors.join('; ')}`, {
      details: { option: 'mapping' },
    });
  }
}

/**
 * A bad file is truncated when its instance meets its first bad row, but a previous run with
 * more instances left files this run never opens: remove them, so every bad file is this run's.
 */
async function removeStaleBadFiles(badFile: string): Promise<void> {
  const dir = dirname(badFile);
  const ext = extname(badFile);
  const stem = basename(badFile, ext);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ours = new RegExp(`^${escaped(stem)}(?:\\.\\d+)?${escaped(ext)}$`);
  await Promise.all(
    names.filter((n) => ours.test(n)).map((n) => rm(join(dir, n), { force: true })),
  );
}
