import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatus } from '../../../../cli/cassandra.ts';
import { buildProgram } from '../../../../cli/main.ts';

const execFileAsync = promisify(execFile);
const CLI = new URL('../../../../bin/sluice.js', import.meta.url).pathname;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('sluice cassandra', () => {
  it('registers start, stop and status', () => {
    const cassandra = buildProgram().commands.find((command) => command.name() === 'cassandra');
    expect(cassandra?.commands.map((command) => command.name())).toEqual([
      'start',
      'stop',
      'status',
    ]);
  });

  it('status says there is no cluster and exits 1 on an empty dir', async () => {
    const dir = join(scratch, 'empty');
    const failure = await execFileAsync(process.execPath, [
      CLI,
      'cassandra',
      'status',
      '--dir',
      dir,
    ]).then(
      () => undefined,
      (reason: { code: number; stdout: string }) => reason,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe(`no cluster in ${dir}\n`);
  });

  it('stop on an empty dir signals nothing and succeeds', async () => {
    const { stderr } = await execFileAsync(process.execPath, [
      CLI,
      'cassandra',
      'stop',
      '--dir',
      join(scratch, 'none'),
    ]);
    expect(stderr).toContain('nothing running in');
  });

  it('rejects a node count that is not a positive integer', async () => {
    const failure = await execFileAsync(process.execPath, [
      CLI,
      'cassandra',
      'start',
      '--nodes',
      '0',
    ]).then(
      () => undefined,
      (reason: { code: number; stderr: string }) => reason,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('expected a positive integer, got "0"');
  });

  it('rejects a TLS mode it does not know, naming the modes', async () => {
    const failure = await execFileAsync(process.execPath, [
      CLI,
      'cassandra',
      'start',
      '--tls',
      'on',
    ]).then(
      () => undefined,
      (reason: { code: number; stderr: string }) => reason,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('expected one of off, optional, required, got "on"');
  });

  it('names the TLS mode and the CA file clients pass as --tls-ca', () => {
    const text = formatStatus({
      dir: '/c',
      exists: true,
      isAuthEnabled: true,
      tls: 'optional',
      tlsCaFile: '/c/tls/ca.pem',
      nodes: [],
    });
    expect(text.split('\n')[0]).toBe(
      'cluster /c: 0 node(s), auth on, TLS optional (CA /c/tls/ca.pem)',
    );
  });

  it('prints one line per node with pid, address, state and the peers it sees', () => {
    const text = formatStatus({
      dir: '/c',
      exists: true,
      isAuthEnabled: false,
      tls: 'off',
      tlsCaFile: undefined,
      nodes: [
        { number: 1, address: '127.0.0.1', pid: 41, isUp: true, peersUp: ['127.0.0.2'] },
        { number: 2, address: '127.0.0.2', pid: undefined, isUp: false, peersUp: [] },
      ],
    });
    expect(text.split('\n')).toEqual([
      'cluster /c: 2 node(s), auth off, TLS off',
      'node1   127.0.0.1       pid 41       UP    sees UP: 127.0.0.2',
      'node2   127.0.0.2       pid -        DOWN',
      '',
    ]);
  });
});
