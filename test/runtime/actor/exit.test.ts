/**
 * After a job, nothing keeps the process alive: a child process that runs a job and does
 * nothing else exits by itself, whether the job succeeded or its worker died.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('../../fixtures/jobs/child.ts', import.meta.url));
const shapes = new URL('../../fixtures/jobs/shapes.ts', import.meta.url).href;
const failing = new URL('../../fixtures/jobs/failing.ts', import.meta.url).href;

/** Runs the child; resolves with its exit code and last stdout line, or rejects on timeout. */
async function runChild(jobUrl: string, params: unknown, timeoutMs: number) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, jobUrl, JSON.stringify(params)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (chunk) => (out += chunk));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await once(proc, 'exit');
  clearTimeout(timer);
  expect(signal, `the child did not exit within ${timeoutMs} ms`).toBeNull();
  return { code: code as number, report: JSON.parse(out.trim().split('\n').at(-1)!) };
}

describe('a process running a job exits by itself', () => {
  it('after success', async () => {
    const params = { shape: 'reduce', seed: 3, count: 5000, keys: 20 };
    const { code, report } = await runChild(shapes, params, 45_000);
    expect(code).toBe(0);
    expect(report).toEqual({ ok: true, recordsOut: 5000 });
  });

  it('after a worker died', async () => {
    const params = { mode: 'exit', count: 20_000, at: 10_000 };
    const { code, report } = await runChild(failing, params, 45_000);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: false, code: 'ERR_WORKER_EXITED' });
  });
});
