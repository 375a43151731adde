import { describe, expect, it } from 'vitest';
import { runChild } from '../../../bench/load/child.ts';

/** Node code that spins for `ms` of CPU time (not wall time: the machine may be loaded). */
const spin = (ms: number) =>
  `const end = process.cpuUsage().user + ${ms * 1000}; while (process.cpuUsage().user < end);`;

describe('runChild', () => {
  it("counts the child's CPU time, and its output", async () => {
    const run = await runChild(
      process.execPath,
      ['-e', `${spin(400)} console.log('done'); console.error('note')`],
      60_000,
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('done\n');
    expect(run.stderrTail).toBe('note\n');
    expect(run.cpuSeconds).toBeGreaterThanOrEqual(0.39);
    expect(run.wallMs).toBeGreaterThanOrEqual(400);
  });

  it('counts the CPU time of worker threads, which ended before the process', async () => {
    // The main thread only waits: nearly all the CPU is the worker's.
    const code =
      "const { Worker } = require('node:worker_threads');" +
      `new Worker(${JSON.stringify(spin(600))}, { eval: true });`;
    const run = await runChild(process.execPath, ['-e', code], 60_000);
    expect(run.exitCode).toBe(0);
    expect(run.cpuSeconds).toBeGreaterThanOrEqual(0.59);
  });

  it('reports a failing exit code with the end of stderr', async () => {
    const run = await runChild(
      process.execPath,
      ['-e', "process.stderr.write('x'.repeat(10000) + 'the reason'); process.exit(3)"],
      60_000,
    );
    expect(run.exitCode).toBe(3);
    expect(run.stderrTail.endsWith('the reason')).toBe(true);
    expect(run.stderrTail.length).toBeLessThan(10_000);
  });

  it('kills a child that outlives its timeout', async () => {
    const run = await runChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], 300);
    expect(run.signal).toBe('SIGTERM');
    expect(run.exitCode).toBeNull();
    expect(run.stderrTail).toContain('killed after 300 ms');
  });
});
