/**
 * `sluice run <job> [--param k=v …] [--workers N]`: run a job module on every core, with a
 * live progress line on stderr and a summary at the end. The CLI's entry point (main.ts)
 * adds it with `runCommand()` (or `registerRunCommand(program)`).
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { SluiceError } from '../runtime/errors.ts';
import type { Params } from '../runtime/graph/types.ts';
import { type JobResult, run } from '../runtime/job/job.ts';
import type { JobStats } from '../runtime/metrics/types.ts';

/** `k=v`: v is read as JSON when it parses (numbers, booleans, arrays), else as a string. */
export function parseParam(text: string, into: Params = {}): Params {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${text}"`);
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...into, [key]: value };
}

function parseWorkers(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`--workers must be an integer ≥ 1, got "${text}"`);
  }
  return n;
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function progressLine(stats: JobStats): string {
  const seconds = (stats.elapsedMs / 1000).toFixed(1);
  const backpressured = stats.actors.filter((a) => a.backpressuredMsPerSecond > 500).length;
  return (
    `${seconds}s  in ${number.format(stats.recordsIn)}  out ${number.format(stats.recordsOut)}  ` +
    `${number.format(stats.recordsPerSecond)} records/s` +
    (backpressured > 0 ? `  (${backpressured} actors backpressured)` : '')
  );
}

export function summary(result: JobResult): string {
  const m = result.metrics;
  const seconds = m.elapsedMs / 1000;
  const lines = [
    `finished in ${seconds.toFixed(2)} s on ${m.workers} workers: ` +
      `${number.format(m.recordsIn)} records in, ${number.format(m.recordsOut)} out, ` +
      `${number.format(seconds > 0 ? m.recordsIn / seconds : 0)} records/s`,
  ];
  for (const actor of m.actors) {
    lines.push(
      `  ${actor.id.padEnd(24)} in ${number.format(actor.recordsIn).padStart(12)}  out ${number
        .format(actor.recordsOut)
        .padStart(12)}  busy ${pct(actor.busyMs, actor.elapsedMs)}  idle ${pct(
        actor.idleMs,
        actor.elapsedMs,
      )}  backpressured ${pct(actor.backpressuredMs, actor.elapsedMs)}`,
    );
  }
  for (const sink of Object.values(result.sinks)) {
    const parts = sink.instances.map((r) =>
      Array.isArray(r) ? `${r.length} records` : JSON.stringify(r ?? null),
    );
    lines.push(`  sink ${sink.operatorId}: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

function pct(part: number, whole: number): string {
  return `${whole > 0 ? Math.round((100 * part) / whole) : 0}%`.padStart(4);
}

export interface RunCommandOptions {
  param: Params;
  workers?: number;
}

/** Runs the job, reporting on stderr; resolves with the exit code. */
export async function runJob(jobPath: string, options: RunCommandOptions): Promise<number> {
  const url = pathToFileURL(resolve(jobPath));
  const job = run(url, { params: options.param, workers: options.workers });
  const isLive = process.stderr.isTTY === true;
  job.on('progress', (stats) => {
    if (isLive) process.stderr.write(`\r\x1b[K${progressLine(stats)}`);
  });
  const onInterrupt = () => {
    process.stderr.write('\ncancelling…\n');
    void job.cancel();
  };
  process.once('SIGINT', onInterrupt);
  try {
    const result = await job.result;
    if (isLive) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${summary(result)}\n`);
    return 0;
  } catch (error) {
    if (isLive) process.stderr.write('\r\x1b[K');
    const e = error as Error;
    const code = error instanceof SluiceError ? ` [${error.code}]` : '';
    process.stderr.write(`job failed${code}: ${e.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** The `run` command, for main.ts's `commandModules`. */
export function runCommand(): Command {
  return new Command('run')
    .description('run a job module (export default pipeline(…)) on every core')
    .argument('<job>', 'path of the job module')
    .option('-p, --param <key=value>', 'a job parameter (repeatable)', parseParam, {})
    .option('-w, --workers <n>', 'worker threads (default: one per core)', parseWorkers)
    .action(async (jobPath: string, options: RunCommandOptions) => {
      process.exitCode = await runJob(jobPath, options);
    });
}

/** Adds the `run` command to `program`. */
export function registerRunCommand(program: Command): Command {
  const command = runCommand();
  program.addCommand(command);
  return command;
}
