/**
 * stdin() inside a real job: the source runs on a worker thread, whose process.stdin is
 * empty, so it must read descriptor 0 itself; and the process exits by itself afterwards.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../../bin/sluice.js', import.meta.url));
const job = fileURLToPath(new URL('../../fixtures/jobs/stdin-double.ts', import.meta.url));

describe('a job reading stdin on a worker', () => {
  it('reads every line piped in and exits by itself', async () => {
    const child = spawn(process.execPath, [cli, 'run', job, '--workers', '2'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    // Written in pieces through a real pipe, so the reader waits for data between them.
    for (let i = 0; i < 500; i += 100) {
      const lines = Array.from({ length: 100 }, (_, k) => JSON.stringify({ n: i + k })).join('\n');
      child.stdin.write(`${lines}\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code] = await once(child, 'exit');
    clearTimeout(timer);
    expect(code, err).toBe(0);
    const rows = out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { n: number; doubled: number });
    // The map runs on both workers, so lines interleave: compare as sets, each exactly once.
    expect(rows.map((r) => r.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 500 }, (_, i) => i),
    );
    expect(rows.every((r) => r.doubled === r.n * 2)).toBe(true);
  });
});
