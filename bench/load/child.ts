/**
 * One loader run as a child process: its wall time from spawn to exit, its CPU time, and its
 * output.
 *
 * CPU: when a process reaps a child, Linux adds the child's user and system time (every
 * thread, and the children it reaped in turn) to the parent's `cutime` and `cstime` in
 * /proc/self/stat. The child's own /proc/<pid>/stat is gone by the time it has exited, and
 * sampling it before exit would miss the end of the run, so the difference of this process's
 * counters across the run is the child's CPU, exactly, as long as no other child of this
 * process ends meanwhile (the benchmark runs one at a time). The figure has the clock tick's
 * resolution (10 ms) and is undefined where /proc is not.
 */

import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ChildRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** From spawn to exit, as a user timing the command sees it. */
  wallMs: number;
  /** User + system seconds of the child and everything it reaped. */
  cpuSeconds: number | undefined;
  stdout: string;
  /** The end of stderr: enough to say why a run failed. */
  stderrTail: string;
  /** Resident set of the child (every thread) every `rssEveryMs`, from its start. */
  rss: RssSample[];
  /** The largest resident set seen, bytes; undefined where /proc is not. */
  peakRssBytes: number | undefined;
}

export interface RssSample {
  /** Milliseconds since spawn. */
  atMs: number;
  bytes: number;
}

/** How often a child's resident set is read: often enough to draw its curve. */
const RSS_EVERY_MS = 2000;

const STDERR_TAIL_CHARS = 4000;

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

let ticksPerSecond: number | undefined;

/** This process's reaped children's user + system time, in clock ticks. */
function reapedChildrenTicks(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of proc(5), cutime and cstime, are at 13 and 14 from field 3.
  return Number(fields[13]) + Number(fields[14]);
}

/** A live process's resident set (VmRSS of /proc/<pid>/status), bytes. */
function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Runs `command args…`, and kills it (SIGTERM, then SIGKILL) past `timeoutMs`. */
export async function runChild(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ChildRun> {
  ticksPerSecond ??= clockTicksPerSecond();
  const ticksBefore = reapedChildrenTicks();
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const rss: RssSample[] = [];
  let peakRssBytes: number | undefined;
  const readRss = () => {
    const bytes = child.pid === undefined ? undefined : residentBytes(child.pid);
    if (bytes === undefined) return;
    const atMs = performance.now() - started;
    peakRssBytes = Math.max(peakRssBytes ?? 0, bytes);
    if (rss.length === 0 || atMs - rss.at(-1)!.atMs >= RSS_EVERY_MS) rss.push({ atMs, bytes });
  };
  // Read more often than recorded, so the peak is not missed between two points of the curve.
  const rssTimer = setInterval(readRss, RSS_EVERY_MS / 8);
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    stderr += `\n[bench] killed after ${timeoutMs} ms\n`;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  }, timeoutMs);
  // 'exit' comes once the child is reaped, so its CPU time is in our counters by then;
  // 'close' comes once its output is read too.
  let wallMs = 0;
  let ticksAfter: number | undefined;
  child.once('exit', () => {
    wallMs = performance.now() - started;
    ticksAfter = reapedChildrenTicks();
  });
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve([code, sig]));
    },
  ).finally(() => {
    clearInterval(rssTimer);
    clearTimeout(timer);
    clearTimeout(killTimer);
  });
  return {
    exitCode,
    signal,
    wallMs,
    cpuSeconds:
      ticksBefore === undefined || ticksAfter === undefined
        ? undefined
        : (ticksAfter - ticksBefore) / ticksPerSecond,
    stdout,
    stderrTail: stderr,
    rss,
    peakRssBytes,
  };
}
