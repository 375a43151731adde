/**
 * `sluice bench <workload>`: drives a Cassandra workload and reports honest latencies.
 *
 * The command parses and validates options, runs the harness (this folder), prints a
 * summary and writes the reports. The first Ctrl-C stops issuing operations and still
 * reports what was measured (exit 4); a second one exits at once.
 */
import { Command } from 'commander';
import { addConnectionOptions, resolvePassword } from '../connection-options.ts';
import { runBench } from './coordinator.ts';
import { DEFAULTS, defaultWorkers, type RawBenchOptions, resolveBenchOptions } from './options.ts';
import { formatProgress, formatSummary } from './report/console.ts';
import { writeHtmlReport } from './report/html.ts';
import { writeJsonReport } from './report/json.ts';
import { WORKLOADS } from './workloads/registry.ts';

interface CommandLine extends RawBenchOptions {
  quiet?: boolean;
}

export function benchCommand(): Command {
  const workloads = WORKLOADS.map((w) => `  ${w.name.padEnd(10)} ${w.summary}`).join('\n');
  const command = new Command('bench')
    .description('run a Cassandra benchmark workload and report latency percentiles')
    .argument('<workload>', WORKLOADS.map((w) => w.name).join(' | '))
    // -h is --host, as in every command that connects (and as in cassandra-stress and latte).
    .helpOption('--help', 'display help for bench');
  return addConnectionOptions(command)
    .option('-k, --keyspace <name>', 'keyspace', DEFAULTS.keyspace)
    .option('--table <name>', 'table (default: per workload: kv, kv_text, ts, ts_text)')
    .option('--rf <n>', 'replication factor of a keyspace this run creates', String(DEFAULTS.rf))
    .option('--rate <ops>', 'fixed rate in operations per second (default: maximum throughput)')
    .option('--duration <time>', `measured time, such as 30s or 5m (default ${DEFAULTS.duration})`)
    .option('--count <n>', 'measured operations instead of a duration, such as 100k')
    .option('--warmup <time>', 'time run first and not measured', DEFAULTS.warmup)
    .option(
      '--concurrency <n>',
      'operations in flight, split across workers',
      String(DEFAULTS.concurrency),
    )
    .option('--workers <n>', 'worker threads', String(defaultWorkers()))
    .option('--value-size <n>', 'bytes (or characters) per value', String(DEFAULTS.valueSize))
    .option('--value-type <type>', 'blob or text', DEFAULTS.valueType)
    .option(
      '--keys <n>',
      'read, mixed: keys 0 … n − 1, as written by insert --count n',
      String(DEFAULTS.keys),
    )
    .option(
      '--rows-per-partition <n>',
      'insert-ts: rows per series',
      String(DEFAULTS.rowsPerPartition),
    )
    .option('--ratio <r:w>', 'mixed: reads to writes', DEFAULTS.ratio)
    .option('--seed <n>', 'seed of all generated keys and values', String(DEFAULTS.seed))
    .option('--report <file.json>', 'write the JSON report here')
    .option('--html <file.html>', 'write the HTML report here')
    .option('-q, --quiet', 'no progress lines')
    .addHelpText('after', `\nWorkloads:\n${workloads}`)
    .action((workload: string, options: CommandLine) => bench(workload, options));
}

async function bench(workload: string, options: CommandLine): Promise<void> {
  const raw: RawBenchOptions = { ...options, password: await resolvePassword(options) };
  const plan = resolveBenchOptions(workload, raw);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping: finishing the operations in flight (Ctrl-C again to quit)\n');
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  let lastOps = 0;
  try {
    const report = await runBench(plan, {
      signal: controller.signal,
      onProgress: options.quiet
        ? undefined
        : (elapsed, progress) => {
            process.stderr.write(
              `${formatProgress(elapsed, progress.ops, progress.errors, progress.ops - lastOps)}\n`,
            );
            lastOps = progress.ops;
          },
    });
    process.stdout.write(`\n${formatSummary(report)}\n`);
    if (plan.reportPath !== undefined) await writeJsonReport(plan.reportPath, report);
    if (plan.htmlPath !== undefined) await writeHtmlReport(plan.htmlPath, report);
    // As `load`: an interrupted run exits 4, so a script never takes it for a whole one.
    if (report.isInterrupted) process.exitCode = 4;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
