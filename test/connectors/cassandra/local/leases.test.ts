import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropLease, liveLeases, takeLease } from '../../../../connectors/cassandra/local/leases.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-leases-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cluster leases', () => {
  it('stop nothing while another run still holds a lease, then the nodes runs started', async () => {
    const first = await takeLease(dir, [1, 2, 3]);
    const second = await takeLease(dir, []);
    expect(await liveLeases(dir)).toHaveLength(2);
    expect(await dropLease(dir, first)).toEqual([]);
    expect(await dropLease(dir, second)).toEqual([1, 2, 3]);
    // The record is cleared: a later run that reuses the nodes does not inherit it.
    const third = await takeLease(dir, []);
    expect(await dropLease(dir, third)).toEqual([]);
  });

  it('merge the nodes started by several runs', async () => {
    const first = await takeLease(dir, [3]);
    const second = await takeLease(dir, [1, 3]);
    expect(await dropLease(dir, second)).toEqual([]);
    expect(await dropLease(dir, first)).toEqual([1, 3]);
  });

  it('ignore and remove the lease of a process that died', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    await takeLease(dir, [1]);
    const stale = `${child.pid}-stale`;
    await writeFile(join(dir, 'leases', stale), '');
    const [ours] = (await liveLeases(dir)).filter((lease) => lease !== stale);
    expect(await liveLeases(dir)).toEqual([ours]);
    expect(await dropLease(dir, ours!)).toEqual([1]);
  });

  it('stop nothing for runs that only reused a cluster', async () => {
    const lease = await takeLease(dir, []);
    expect(await dropLease(dir, lease)).toEqual([]);
  });
});
