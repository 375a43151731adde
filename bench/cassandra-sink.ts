/**
 * The Cassandra sink's benchmark:
 * `npx tsx bench/cassandra-sink.ts [--rows N] [--rounds N] [--group replicaSet|partition]
 *   [--batch-rows N] [--workers N] [--parallelism N] [--only single|clustered]
 *   [--cpu-prof DIR] [--verbose] [--json]`
 *
 * Loads the same generated rows into the local cluster twice per workload:
 *  - Sluice: a job (generate → map → cassandra sink, replica partitioning) on every worker;
 *  - baseline: what a Node user would write, cassandra-driver prepared INSERTs through
 *    `cassandra.concurrent.executeConcurrent` at concurrency 512, with the driver's default
 *    (token-aware) load balancing and the same consistency.
 * Workloads: `single`, N single-row partitions (default 1M), and `clustered`, N/50
 * partitions of 50 clustered rows (default 20k x 50).
 *
 * Each load runs in a child process of its own, so `process.cpuUsage()` (every thread of the
 * process) counts that loader's client CPU alone; the clock runs from the first request's
 * readiness (connected; for Sluice, every actor deployed) to the last acknowledgement. The
 * table is truncated before each load and its rows are counted after it: a load that lost
 * rows fails the benchmark. Rounds alternate which loader goes first, and each loader's
 * best round is reported.
 *
 * This file is also the job module of the Sluice child: workers import it for its default
 * export, and only the program itself runs `main`.
 */

import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import cassandra from 'cassandra-driver';
import { cassandra as cassandraSink } from '../connectors/cassandra/index.ts';
import { generate } from '../connectors/memory/index.ts';
import { pipeline, run } from '../index.ts';

type Workload = 'single' | 'clustered';
type Loader = 'sluice' | 'executeConcurrent';
type Grouping = 'partition' | 'replicaSet';

const KEYSPACE = 'sluice_bench';
const CONSISTENCY = 'ONE';
const ROWS_PER_PARTITION = 50;
const BASELINE_CONCURRENCY = 512;

interface JobParams extends Record<string, unknown> {
  contactPoints: string[];
  workload: Workload;
  rows: number;
  parallelism: number;
  groupBy: Grouping;
  /** Overrides the sink's batch.maxRows when set. */
  batchRows: number | undefined;
}

const TABLES: Record<Workload, string> = {
  single: `CREATE TABLE IF NOT EXISTS ${KEYSPACE}.single (id int PRIMARY KEY, body text, n bigint)`,
  clustered: `CREATE TABLE IF NOT EXISTS ${KEYSPACE}.clustered (id int, seq int, body text, n bigint, PRIMARY KEY (id, seq))`,
};

/** Row i of a workload; the same function feeds both loaders. */
function makeRow(workload: Workload, i: number): Record<string, unknown> {
  const n = BigInt(Math.imul(i, 0x9e3779b1));
  if (workload === 'single') return { id: i, body: `row ${i} of the single-row load`, n };
  return {
    id: Math.floor(i / ROWS_PER_PARTITION),
    seq: i % ROWS_PER_PARTITION,
    body: `row ${i} of the clustered load`,
    n,
  };
}

export default pipeline<JobParams>((p, params) =>
  p
    .from(generate({ count: params.rows, make: (i) => i }))
    .map((i) => makeRow(params.workload, i))
    .to(
      cassandraSink({
        contactPoints: params.contactPoints,
        keyspace: KEYSPACE,
        table: params.workload,
        consistency: CONSISTENCY,
        batch: {
          groupBy: params.groupBy,
          ...(params.batchRows === undefined ? {} : { maxRows: params.batchRows }),
        },
        badFile: `.sluice/bad/bench.${params.workload}.jsonl`,
      }),
      { parallelism: params.parallelism },
    ),
);

/** What a child reports on its last line of output. */
interface LoadFigures {
  loader: Loader;
  rows: number;
  ms: number;
  cpuSeconds: number;
  startupMs: number;
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function loadWithSluice(params: JobParams, workers: number): Promise<LoadFigures> {
  const submitted = performance.now();
  const isVerbose = process.argv.includes('--verbose');
  const job = run(import.meta.url, { params, workers, progressIntervalMs: isVerbose ? 2000 : 0 });
  // Diagnostics on stderr: each sink instance's windows and latencies as the load goes.
  job.on('progress', (stats) => {
    for (const actor of stats.actors) {
      for (const sink of Object.values(actor.sinks) as Array<{ hosts?: object }>) {
        if (sink.hosts !== undefined) console.error(actor.id, JSON.stringify(sink.hosts));
      }
    }
  });
  let started = submitted;
  let cpu = process.cpuUsage();
  job.once('deployed', () => {
    started = performance.now();
    cpu = process.cpuUsage();
  });
  const result = await job.result;
  const ms = performance.now() - started;
  const cpuSeconds = cpuSecondsSince(cpu);
  const instances = Object.values(result.sinks).flatMap((s) => s.instances) as Array<{
    written: number;
    bad: number;
  }>;
  const written = instances.reduce((n, r) => n + r.written, 0);
  const bad = instances.reduce((n, r) => n + r.bad, 0);
  if (bad > 0 || written !== params.rows) {
    throw new Error(`sluice wrote ${written} of ${params.rows} rows (${bad} bad)`);
  }
  return { loader: 'sluice', rows: written, ms, cpuSeconds, startupMs: started - submitted };
}

async function loadWithDriver(params: JobParams): Promise<LoadFigures> {
  const submitted = performance.now();
  const client = new cassandra.Client({
    contactPoints: params.contactPoints,
    localDataCenter: 'datacenter1',
    encoding: { useBigIntAsLong: true },
    // executeConcurrent takes no per-request options: consistency comes from the client.
    queryOptions: { consistency: cassandra.types.consistencies.one, isIdempotent: true },
  });
  await client.connect();
  const table = params.workload;
  const columns = table === 'single' ? ['id', 'body', 'n'] : ['id', 'seq', 'body', 'n'];
  const query = `INSERT INTO ${KEYSPACE}.${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const values: unknown[][] = new Array(params.rows);
  for (let i = 0; i < params.rows; i++) {
    const row = makeRow(params.workload, i);
    values[i] = columns.map((c) => row[c]);
  }
  const result = await cassandra.concurrent.executeConcurrent(client, query, values, {
    concurrencyLevel: BASELINE_CONCURRENCY,
    raiseOnFirstError: false,
  });
  const ms = performance.now() - started;
  const cpuSeconds = cpuSecondsSince(cpu);
  await client.shutdown();
  if (result.errors.length > 0) {
    throw new Error(`executeConcurrent failed ${result.errors.length} rows: ${result.errors[0]}`);
  }
  return {
    loader: 'executeConcurrent',
    rows: result.totalExecuted,
    ms,
    cpuSeconds,
    startupMs: started - submitted,
  };
}

// ---- the orchestrator ---------------------------------------------------------------------

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function numberOption(name: string, fallback: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${text}`);
  }
  return value;
}

/** Runs one load in a child process (this file with --child) and returns its figures. */
async function loadInChild(
  loader: Loader,
  params: JobParams,
  workers: number,
  cpuProfDir: string | undefined,
): Promise<LoadFigures> {
  const args = ['--import', 'tsx'];
  if (cpuProfDir !== undefined && loader === 'sluice') {
    args.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  }
  args.push(fileURLToPath(import.meta.url), '--child', loader, '--params', JSON.stringify(params));
  args.push('--workers', String(workers));
  if (process.argv.includes('--verbose')) args.push('--verbose');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const last = output.trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`the ${loader} child exited with ${code}: ${last}`);
  return JSON.parse(last) as LoadFigures;
}

/** Counts a table's rows range by range, so no single request scans the whole table. */
async function countRows(client: cassandra.Client, table: string): Promise<number> {
  const slices = 32;
  const span = 2n ** 64n / BigInt(slices);
  const bounds = Array.from({ length: slices + 1 }, (_, i) =>
    i === slices ? 2n ** 63n - 1n : -(2n ** 63n) + span * BigInt(i),
  );
  const counts = await Promise.all(
    bounds.slice(0, -1).map(async (low, i) => {
      // The first slice must include the minimum token itself.
      const lowOp = i === 0 ? '>=' : '>';
      const result = await client.execute(
        `SELECT count(*) FROM ${KEYSPACE}.${table} WHERE token(id) ${lowOp} ? AND token(id) <= ?`,
        [
          cassandra.types.Long.fromString(String(low)),
          cassandra.types.Long.fromString(String(bounds[i + 1])),
        ],
        { prepare: true, readTimeout: 120_000 },
      );
      return Number(result.rows[0]!.count);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

interface Contest {
  sluice: LoadFigures;
  executeConcurrent: LoadFigures;
}

function rowsPerSecond(f: LoadFigures): number {
  return f.rows / (f.ms / 1000);
}

function summary(contest: Contest) {
  const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
  const perMillion = (f: LoadFigures) => round((f.cpuSeconds * 1e6) / f.rows);
  return {
    sluice: Math.round(rowsPerSecond(contest.sluice)),
    executeConcurrent: Math.round(rowsPerSecond(contest.executeConcurrent)),
    ratio: round(rowsPerSecond(contest.sluice) / rowsPerSecond(contest.executeConcurrent)),
    cpuSecondsPerMillion: {
      sluice: perMillion(contest.sluice),
      executeConcurrent: perMillion(contest.executeConcurrent),
    },
  };
}

async function main(): Promise<void> {
  const isJson = process.argv.includes('--json');
  const rows = numberOption('--rows', 1_000_000);
  const rounds = numberOption('--rounds', 1);
  const workers = numberOption('--workers', availableParallelism());
  const contactPoints = (option('--contact-points') ?? '127.0.0.1,127.0.0.2,127.0.0.3').split(',');
  const parallelism = numberOption('--parallelism', contactPoints.length);
  const groupBy = (option('--group') ?? 'replicaSet') as Grouping;
  if (groupBy !== 'replicaSet' && groupBy !== 'partition') {
    throw new Error(`--group must be replicaSet or partition, got ${groupBy}`);
  }
  const batchRows =
    option('--batch-rows') === undefined ? undefined : numberOption('--batch-rows', 1);
  const only = option('--only') as Workload | undefined;
  const cpuProfDir = option('--cpu-prof');
  const workloads: Workload[] = only === undefined ? ['single', 'clustered'] : [only];
  const log = (line: string) => console.log(line);
  if (rows % ROWS_PER_PARTITION !== 0) {
    throw new Error(`--rows must be a multiple of ${ROWS_PER_PARTITION}, got ${rows}`);
  }
  log(
    `node ${process.version}, ${workers} workers, sink parallelism ${parallelism}, ` +
      `groupBy ${groupBy}, ${rows} rows per load, ${rounds} round(s), consistency ${CONSISTENCY}, RF 1`,
  );

  const admin = new cassandra.Client({ contactPoints, localDataCenter: 'datacenter1' });
  await admin.connect();
  const figures: Record<string, ReturnType<typeof summary>> = {};
  try {
    await admin.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    for (const workload of workloads) {
      await admin.execute(TABLES[workload]);
      const params: JobParams = {
        contactPoints,
        workload,
        rows,
        parallelism,
        groupBy,
        batchRows,
      };
      const best: Partial<Contest> = {};
      for (let r = 0; r < rounds; r++) {
        const order: Loader[] =
          r % 2 === 0 ? ['sluice', 'executeConcurrent'] : ['executeConcurrent', 'sluice'];
        for (const loader of order) {
          await admin.execute(`TRUNCATE ${KEYSPACE}.${workload}`, [], { readTimeout: 120_000 });
          const f = await loadInChild(loader, params, workers, cpuProfDir);
          const counted = await countRows(admin, workload);
          if (counted !== rows) {
            throw new Error(`${loader} loaded ${counted} of ${rows} rows into ${workload}`);
          }
          log(
            `${workload.padEnd(9)} ${loader.padEnd(17)} ${Math.round(rowsPerSecond(f))
              .toString()
              .padStart(
                8,
              )} rows/s  ${(f.ms / 1000).toFixed(1)} s (+${(f.startupMs / 1000).toFixed(1)} s startup)  ` +
              `cpu ${f.cpuSeconds.toFixed(1)} s  rows verified`,
          );
          const previous = best[loader];
          if (previous === undefined || rowsPerSecond(f) > rowsPerSecond(previous))
            best[loader] = f;
        }
      }
      const s = summary(best as Contest);
      figures[workload === 'single' ? 'singleRow' : 'clustered'] = s;
      log(
        `${workload.padEnd(9)} ratio ×${s.ratio}  cpu s per 1M rows: sluice ${s.cpuSecondsPerMillion.sluice}, ` +
          `executeConcurrent ${s.cpuSecondsPerMillion.executeConcurrent}`,
      );
    }
  } finally {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`).catch(() => {});
    await admin.shutdown();
  }
  if (isJson) {
    console.log(JSON.stringify({ ...figures, rows, rounds, workers, parallelism, groupBy }));
  }
}

async function child(loader: Loader): Promise<void> {
  const params = JSON.parse(option('--params')!) as JobParams;
  const workers = numberOption('--workers', availableParallelism());
  const figures =
    loader === 'sluice' ? await loadWithSluice(params, workers) : await loadWithDriver(params);
  console.log(JSON.stringify(figures));
}

// Workers import this module for its job; the main thread imports it a second time to plan.
// Only the first import on the main thread, as the program, runs.
const started = Symbol.for('sluice.bench.cassandra-sink');
const registry = globalThis as { [started]?: boolean };
const isProgram =
  process.argv[1] !== undefined && import.meta.url.startsWith(pathToFileURL(process.argv[1]).href);
if (isMainThread && isProgram && registry[started] !== true) {
  registry[started] = true;
  const role = option('--child');
  await (role === undefined ? main() : child(role as Loader));
}
