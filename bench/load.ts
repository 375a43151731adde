/**
 * The bulk-load benchmark: `sluice load` against the loader a Node user would write, on the
 * same CSV file, cluster and table.
 *
 *   npx tsx bench/load.ts [--rows 1000000] [--rounds 2] [--rf 1] [--concurrency 512]
 *     [--workers N] [--hosts 127.0.0.1,127.0.0.2,127.0.0.3] [--loaders sluice,baseline]
 *     [--rss-curve] [--keep] [--json]
 *
 *  - sluice:   `node bin/sluice.js load -url file.csv -k … -t … -h … --report r.json`;
 *  - baseline: `node --import tsx bench/load/baseline.ts`: csv-parse streaming into
 *              `executeConcurrent` (concurrency 512), converting each record's strings.
 *
 * Each load is a child process, timed from spawn to exit (what a user timing the command
 * sees: startup, connecting and the load) and by its own clock (connected to the last write:
 * Sluice's report, the baseline's last line). Its CPU seconds are every thread's, from the
 * kernel (see load/child.ts). The table is truncated before each load and its rows counted
 * after it; a load that lost a row fails the benchmark, and so does one whose sample of 64
 * partitions reads back different values from the other loader's. Rounds alternate which loader goes
 * first, and each loader's fastest round (by wall time) makes the ratio.
 *
 * Replication factor 1 by default: with 3 nodes on a 2-core machine, RF 3 triples the servers'
 * work and both loaders would wait on Cassandra alike, which measures the cluster, not the
 * loader. Both write at LOCAL_QUORUM (one replica at RF 1), chosen explicitly for both.
 *
 * Memory: each loader's resident set (all its threads) is read every 2 s. A loader that keeps
 * nothing per row holds a flat curve after its first seconds; the figures are its peak and its
 * growth from a quarter to three quarters of the run (`--rss-curve` prints every point). The
 * baseline streams, so its curve is the flat one to compare with. `--loaders sluice` runs
 * Sluice alone (no ratio), for curves of loads too long to run the baseline beside.
 */

import { readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { type ChildRun, type RssSample, runChild } from './load/child.ts';
import { BenchTable } from './load/cluster.ts';
import { ensureCsv, sampleUserIds, TABLE_NAME } from './load/data.ts';

type Loader = 'sluice' | 'baseline';

interface Options {
  rows: number;
  rounds: number;
  rf: number;
  concurrency: number;
  workers: number | undefined;
  hosts: string;
  loaders: Loader[];
  rssCurve?: boolean;
  keep?: boolean;
  json?: boolean;
}

/** One verified load. */
interface LoadRun {
  loader: Loader;
  round: number;
  wallMs: number;
  /** The loader's own clock: connected to the last acknowledgement. */
  ownMs: number;
  cpuSeconds: number | undefined;
  rss: RssSample[];
  peakRssBytes: number | undefined;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA_DIR = `${ROOT}.sluice/bench`;
const REPORT_PATH = `${DATA_DIR}/load-report.json`;
const BAD_FILE = `${DATA_DIR}/load-bad.jsonl`;
const SLUICE_BIN = `${ROOT}bin/sluice.js`;
const BASELINE = fileURLToPath(new URL('./load/baseline.ts', import.meta.url));
const CONSISTENCY = 'LOCAL_QUORUM';

function positiveInteger(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`${name} must be a positive integer, got "${text}"`);
    }
    return value;
  };
}

function parseOptions(): Options {
  return new Command()
    .option('--rows <n>', 'rows in the CSV file', positiveInteger('--rows'), 1_000_000)
    .option(
      '--rounds <n>',
      'rounds; each loads the file once per loader',
      positiveInteger('--rounds'),
      2,
    )
    .option('--rf <n>', 'replication factor of the keyspace', positiveInteger('--rf'), 1)
    .option(
      '--concurrency <n>',
      "the baseline's requests in flight",
      positiveInteger('--concurrency'),
      512,
    )
    .option(
      '--workers <n>',
      "sluice load's worker threads (default: its own, one per core)",
      positiveInteger('--workers'),
    )
    .option('--hosts <list>', 'contact points', '127.0.0.1,127.0.0.2,127.0.0.3')
    .option('--loaders <list>', 'which loaders run, in this order', parseLoaders, [
      'sluice',
      'baseline',
    ])
    .option('--rss-curve', "print each load's resident set every 2 s")
    .option('--keep', 'keep the keyspace at the end (default: drop it)')
    .option('--json', 'print the figures as one JSON object on the last line')
    .parse()
    .opts<Options>();
}

function parseLoaders(text: string): Loader[] {
  const loaders = text.split(',').map((l) => l.trim());
  for (const loader of loaders) {
    if (loader !== 'sluice' && loader !== 'baseline') {
      throw new Error(`--loaders takes sluice and/or baseline, got "${loader}"`);
    }
  }
  return [...new Set(loaders)] as Loader[];
}

function failure(loader: Loader, round: number, run: ChildRun, why: string): Error {
  const end = run.stderrTail.trim().split('\n').slice(-8).join('\n  ');
  return new Error(
    `${loader} (round ${round}) ${why}${end === '' ? '' : `; its stderr ends:\n  ${end}`}`,
  );
}

function timeoutFor(rows: number): number {
  // A guard against a hung loader, not a limit: 1 000 rows/s would be far below either.
  return 120_000 + rows;
}

async function loadWithSluice(
  csv: string,
  options: Options,
  round: number,
  table: BenchTable,
): Promise<Omit<LoadRun, 'loader' | 'round'>> {
  await rm(REPORT_PATH, { force: true });
  const args = [
    SLUICE_BIN,
    'load',
    '-url',
    csv,
    '-k',
    table.keyspace,
    '-t',
    TABLE_NAME,
    '-h',
    options.hosts,
  ];
  args.push(
    '--consistency',
    CONSISTENCY,
    '--report',
    REPORT_PATH,
    '--badFile',
    BAD_FILE,
    '-maxErrors',
    '0',
  );
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  const run = await runChild(process.execPath, args, timeoutFor(options.rows));
  if (run.exitCode !== 0)
    throw failure('sluice', round, run, `exited with ${run.exitCode ?? run.signal}`);
  const report = JSON.parse(await readFile(REPORT_PATH, 'utf8')) as {
    status: string;
    written: number;
    bad: number;
    durationMs: number;
  };
  if (report.status !== 'ok' || report.written !== options.rows || report.bad !== 0) {
    throw failure(
      'sluice',
      round,
      run,
      `reported ${report.status}: ${report.written} written, ${report.bad} bad`,
    );
  }
  return { ...measuredOf(run), ownMs: report.durationMs };
}

async function loadWithBaseline(
  csv: string,
  options: Options,
  round: number,
  table: string,
): Promise<Omit<LoadRun, 'loader' | 'round'>> {
  const args = [
    '--import',
    'tsx',
    BASELINE,
    csv,
    options.hosts,
    table,
    String(options.concurrency),
  ];
  const run = await runChild(process.execPath, args, timeoutFor(options.rows));
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  let summary: { rows: number; errors: number; ms: number; firstError?: string };
  try {
    summary = JSON.parse(last);
  } catch {
    throw failure(
      'baseline',
      round,
      run,
      `exited with ${run.exitCode ?? run.signal} and no summary`,
    );
  }
  if (run.exitCode !== 0 || summary.errors > 0 || summary.rows !== options.rows) {
    throw failure(
      'baseline',
      round,
      run,
      `wrote ${summary.rows} rows with ${summary.errors} errors (first: ${summary.firstError})`,
    );
  }
  return { ...measuredOf(run), ownMs: summary.ms };
}

function measuredOf(run: ChildRun): Omit<LoadRun, 'loader' | 'round' | 'ownMs'> {
  return {
    wallMs: run.wallMs,
    cpuSeconds: run.cpuSeconds,
    rss: run.rss,
    peakRssBytes: run.peakRssBytes,
  };
}

const MB = 1e6;

/** The resident set at a fraction of the run: the last point read at or before it. */
function rssAt(run: LoadRun, fraction: number): number | undefined {
  const at = run.wallMs * fraction;
  return run.rss.filter((p) => p.atMs <= at).at(-1)?.bytes;
}

/** MB the resident set grew from a quarter to three quarters of the run. */
function rssGrowthMb(run: LoadRun): number | undefined {
  const early = rssAt(run, 0.25);
  const late = rssAt(run, 0.75);
  return early === undefined || late === undefined ? undefined : Math.round((late - early) / MB);
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const perSecond = (rows: number, ms: number) => (rows * 1000) / ms;
const round2 = (n: number) => Math.round(n * 100) / 100;

function describe(run: LoadRun, rows: number): string {
  const cpu = run.cpuSeconds === undefined ? 'n/a' : `${run.cpuSeconds.toFixed(1)} s`;
  const peak = run.peakRssBytes === undefined ? 'n/a' : `${Math.round(run.peakRssBytes / MB)} MB`;
  const growth = rssGrowthMb(run);
  return (
    `round ${run.round}  ${run.loader.padEnd(8)} ${count.format(perSecond(rows, run.wallMs)).padStart(9)} rows/s ` +
    `(spawn to exit ${(run.wallMs / 1000).toFixed(1)} s; own clock ${(run.ownMs / 1000).toFixed(1)} s, ` +
    `${count.format(perSecond(rows, run.ownMs))} rows/s)  cpu ${cpu}  peak RSS ${peak} ` +
    `(${growth === undefined ? 'n/a' : `${growth >= 0 ? '+' : ''}${growth} MB`} from 25 % to 75 % of the run)`
  );
}

function figures(run: LoadRun, rows: number) {
  return {
    rowsPerSecond: Math.round(perSecond(rows, run.wallMs)),
    ownRowsPerSecond: Math.round(perSecond(rows, run.ownMs)),
    wallSeconds: round2(run.wallMs / 1000),
    ownSeconds: round2(run.ownMs / 1000),
    cpuSeconds: run.cpuSeconds === undefined ? null : round2(run.cpuSeconds),
    cpuSecondsPerMillionRows:
      run.cpuSeconds === undefined ? null : round2((run.cpuSeconds * 1e6) / rows),
    peakRssMb: run.peakRssBytes === undefined ? null : Math.round(run.peakRssBytes / MB),
    rssGrowthMb: rssGrowthMb(run) ?? null,
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const log = (line: string) => console.log(line);
  const generating = performance.now();
  const csv = await ensureCsv(DATA_DIR, options.rows);
  log(
    `${csv.isNew ? 'generated' : 'reusing'} ${csv.path}: ${count.format(options.rows)} rows, ` +
      `${(csv.bytes / 1e6).toFixed(1)} MB` +
      (csv.isNew ? ` in ${((performance.now() - generating) / 1000).toFixed(1)} s` : ''),
  );
  const loadBefore = loadavg()[0]!;
  log(
    `node ${process.version}, ${availableParallelism()} cores, load average ${loadBefore.toFixed(1)}; ` +
      `RF ${options.rf}, ${CONSISTENCY}; sluice workers ${options.workers ?? 'default'}, ` +
      `baseline concurrency ${options.concurrency}; ${options.rounds} round(s)`,
  );

  const table = await BenchTable.open(options.hosts.split(','), options.rf);
  const runs: LoadRun[] = [];
  const sampleIds = sampleUserIds(options.rows);
  let expectedSample: { digest: string; rows: number; loader: Loader } | undefined;
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const order = round % 2 === 1 ? options.loaders : [...options.loaders].reverse();
      for (const loader of order) {
        await table.truncate();
        const measured =
          loader === 'sluice'
            ? await loadWithSluice(csv.path, options, round, table)
            : await loadWithBaseline(csv.path, options, round, table.name);
        const run = { loader, round, ...measured };
        // Printed before the checks, so that a failing check does not lose the figures.
        log(describe(run, options.rows));
        if (options.rssCurve) {
          const points = run.rss.map(
            (p) => `${Math.round(p.atMs / 1000)}s ${Math.round(p.bytes / MB)}`,
          );
          log(`  RSS (MB) of ${loader}, every 2 s: ${points.join(', ')}`);
        }
        const counted = await table.countRows(options.rows);
        if (counted !== options.rows) {
          throw new Error(
            `${loader} (round ${round}) left ${counted} rows in ${table.name}, not ${options.rows}`,
          );
        }
        const sample = await table.sampleDigest(sampleIds);
        expectedSample ??= { ...sample, loader };
        if (sample.digest !== expectedSample.digest || sample.rows !== expectedSample.rows) {
          throw new Error(
            `${loader} (round ${round}) wrote other values than ${expectedSample.loader}: the sample ` +
              `of ${sampleIds.length} partitions reads back as ${sample.rows} rows, digest ` +
              `${sample.digest}, against ${expectedSample.rows} rows, ${expectedSample.digest}`,
          );
        }
        log(`  ${count.format(counted)} rows counted, sample matches`);
        runs.push(run);
      }
    }
  } finally {
    if (options.keep) await table.close();
    else await table.dropAndClose();
  }

  const fastest = (loader: Loader) =>
    runs
      .filter((r) => r.loader === loader)
      .reduce<LoadRun | undefined>(
        (a, b) => (a === undefined || b.wallMs < a.wallMs ? b : a),
        undefined,
      );
  const sluice = fastest('sluice');
  const baseline = fastest('baseline');
  const both = sluice !== undefined && baseline !== undefined;
  const ratio = both ? round2(baseline.wallMs / sluice.wallMs) : null;
  const ratioOwn = both ? round2(baseline.ownMs / sluice.ownMs) : null;
  const loadAfter = loadavg()[0]!;
  const rate = (run: LoadRun | undefined) =>
    run === undefined ? 'not run' : `${count.format(perSecond(options.rows, run.wallMs))} rows/s`;
  log(
    `fastest rounds: sluice ${rate(sluice)}, baseline ${rate(baseline)}` +
      (both
        ? `: ratio ${ratio} spawn to exit (target >= 2), ${ratioOwn} by their own clocks`
        : '') +
      `; load average ${loadAfter.toFixed(1)}`,
  );
  if (options.json) {
    console.log(
      JSON.stringify({
        rows: options.rows,
        sluice: sluice === undefined ? null : figures(sluice, options.rows),
        baseline: baseline === undefined ? null : figures(baseline, options.rows),
        ratio,
        ratioOwn,
        replicationFactor: options.rf,
        consistency: CONSISTENCY,
        baselineConcurrency: options.concurrency,
        sluiceWorkers: options.workers ?? null,
        node: process.version,
        cores: availableParallelism(),
        loadAverage: { before: round2(loadBefore), after: round2(loadAfter) },
        runs: runs.map((r) => ({ loader: r.loader, round: r.round, ...figures(r, options.rows) })),
      }),
    );
  }
}

await main();
