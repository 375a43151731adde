/**
 * Runs the real `sluice load` as a child process (`node bin/sluice.js load …`) against the
 * shared cluster, for the load tests. Every run must exit by itself; a run that needs killing
 * fails the test.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { target } from '../../connectors/cassandra/cluster.ts';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const EXIT_DEADLINE_MS = 90_000;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sluice load ARGS`; fails if it has not exited by itself within the deadline. */
export async function sluiceLoad(
  args: string[],
  options: { stdin?: Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, ['bin/sluice.js', 'load', ...args], {
    cwd: ROOT,
    env: { ...process.env, CASSANDRA_CONTACT_POINTS: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.stdin ?? Buffer.alloc(0));
  let isKilled = false;
  const timer = setTimeout(() => {
    isKilled = true;
    child.kill('SIGKILL');
  }, EXIT_DEADLINE_MS);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  if (isKilled)
    throw new Error(`sluice load did not exit by itself\nstdout: ${stdout}\nstderr: ${stderr}`);
  return { code, stdout, stderr };
}

/** The connection options of every run: the shared cluster, with credentials if it needs them. */
export function clusterArgs(workers = 2): { args: string[]; env: NodeJS.ProcessEnv } {
  const { credentials, localDataCenter, contactPoints } = target();
  return {
    args: [
      '-h',
      contactPoints.join(','),
      '--dc',
      localDataCenter,
      '--workers',
      String(workers),
      ...(credentials ? ['-u', credentials.username] : []),
    ],
    env: credentials ? { SLUICE_PASSWORD: credentials.password } : {},
  };
}
