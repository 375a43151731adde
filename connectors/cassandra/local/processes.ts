/**
 * The JVMs of a local cluster, found through pid files.
 *
 * A pid file can outlive its process, and the pid can be reused by an unrelated process after a
 * reboot, so a pid counts as a node only when its command line is a CassandraDaemon carrying this
 * node's `-Dsluice.node.dir=` marker. Nothing else is ever signalled.
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { MAIN_CLASS, NODE_DIR_PROPERTY } from './config.ts';
import type { NodeLayout } from './layout.ts';

const execFileAsync = promisify(execFile);

export async function readPid(node: NodeLayout): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(node.pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function commandLine(pid: number): Promise<string[] | undefined> {
  try {
    // /proc is exact (arguments keep their spaces); `ps` is the fallback off Linux.
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((arg) => arg !== '');
  } catch {
    try {
      const { stdout } = await execFileAsync('ps', ['-ww', '-o', 'args=', '-p', String(pid)]);
      const line = stdout.trim();
      return line === '' ? undefined : line.split(/\s+/);
    } catch {
      return undefined;
    }
  }
}

export async function isNodeProcess(pid: number, node: NodeLayout): Promise<boolean> {
  const args = (await commandLine(pid)) ?? [];
  return args.includes(MAIN_CLASS) && args.includes(`-D${NODE_DIR_PROPERTY}=${node.dir}`);
}

/** The pid of this node's live JVM, or undefined; a stale pid file is removed. */
export async function livePid(node: NodeLayout): Promise<number | undefined> {
  const pid = await readPid(node);
  if (pid === undefined) return undefined;
  if (await isNodeProcess(pid, node)) return pid;
  await rm(node.pidFile, { force: true });
  return undefined;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves when the process has exited, polling because it is not our child any more. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

export interface StopResult {
  node: number;
  pid: number | undefined;
  /** 'SIGTERM' when it drained and exited, 'SIGKILL' when it had to be killed. */
  signal: 'SIGTERM' | 'SIGKILL' | undefined;
}

/** SIGTERM lets Cassandra flush and close its commit log; SIGKILL after `graceMs`. */
export async function stopNode(node: NodeLayout, graceMs = 30_000): Promise<StopResult> {
  const pid = await livePid(node);
  if (pid === undefined) return { node: node.number, pid: undefined, signal: undefined };
  process.kill(pid, 'SIGTERM');
  let signal: StopResult['signal'] = 'SIGTERM';
  if (!(await waitForExit(pid, graceMs))) {
    // Check again: the pid may have been reused in the meantime.
    if (await isNodeProcess(pid, node)) process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 10_000);
    signal = 'SIGKILL';
  }
  await rm(node.pidFile, { force: true });
  return { node: node.number, pid, signal };
}
