/**
 * `sluice run job.ts --param k=v --workers N` runs the job and ends with a summary; a
 * failing job exits with 1 and says why.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseParam } from '../../cli/run.ts';

const cli = fileURLToPath(new URL('../fixtures/jobs/run-cli.ts', import.meta.url));
const shapes = fileURLToPath(new URL('../fixtures/jobs/shapes.ts', import.meta.url));
const failing = fileURLToPath(new URL('../fixtures/jobs/failing.ts', import.meta.url));

async function sluiceRun(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', cli, 'run', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  const [code] = await once(proc, 'exit');
  clearTimeout(timer);
  return { code: code as number, stderr };
}

describe('sluice run', () => {
  it('parses parameters as JSON when they parse, else as strings', () => {
    expect(parseParam('count=12', parseParam('shape=chain'))).toEqual({
      shape: 'chain',
      count: 12,
    });
    expect(parseParam('list=[1,2]')).toEqual({ list: [1, 2] });
    expect(() => parseParam('novalue')).toThrow(/expected key=value, got "novalue"/);
  });

  it('runs a job with params and workers and prints a summary', async () => {
    const { code, stderr } = await sluiceRun([
      shapes,
      '--param',
      'shape=aggregate',
      '--param',
      'seed=5',
      '--param',
      'count=3000',
      '-p',
      'keys=7',
      '--workers',
      '2',
    ]);
    expect(stderr).toMatch(/finished in [\d.]+ s on 2 workers: 3,000 records in, 7 out/);
    expect(stderr).toMatch(/aggregate#1\/0 .* busy/);
    expect(stderr).toMatch(/sink collect#2: \d+ records; \d+ records/);
    expect(code).toBe(0);
  });

  it('exits with 1 and the reason when the job fails', async () => {
    const { code, stderr } = await sluiceRun([
      failing,
      '-p',
      'mode=throw',
      '-p',
      'count=100',
      '-p',
      'at=5',
    ]);
    expect(stderr).toMatch(
      /job failed \[ERR_OPERATOR_FAILED\]: operator explode#1 instance \d failed on a record: record 5 is out of range/,
    );
    expect(code).toBe(1);
  });
});
