/**
 * `stop` signals only JVMs of its own dir. Real JVMs are not needed to test that: a Node process
 * whose command line carries the same markers stands in for a CassandraDaemon.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopLocalCluster } from '../../../../connectors/cassandra/local/cluster.ts';
import { clusterLayout, type NodeLayout } from '../../../../connectors/cassandra/local/layout.ts';
import {
  isNodeProcess,
  livePid,
  stopNode,
} from '../../../../connectors/cassandra/local/processes.ts';

let dir: string;
const children: ChildProcess[] = [];

/** A process that looks like node `node`'s JVM; `markerDir` lets it claim another cluster's dir. */
async function fakeDaemon(
  node: NodeLayout,
  options: { markerDir?: string; isTermIgnored?: boolean; isJava?: boolean } = {},
): Promise<ChildProcess> {
  const code = `${options.isTermIgnored ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1000); process.send('up');`;
  const markers =
    options.isJava === false
      ? []
      : [
          `-Dsluice.node.dir=${options.markerDir ?? node.dir}`,
          'org.apache.cassandra.service.CassandraDaemon',
        ];
  const child = spawn(process.execPath, ['-e', code, '--', ...markers], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  children.push(child);
  await once(child, 'message');
  await mkdir(node.dir, { recursive: true });
  await writeFile(node.pidFile, `${child.pid}\n`);
  return child;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-processes-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (isRunning(child)) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('pid files', () => {
  it('recognise a daemon of this node by its command line', async () => {
    const [node] = clusterLayout(dir, 1).nodes;
    const child = await fakeDaemon(node!);
    expect(await isNodeProcess(child.pid!, node!)).toBe(true);
    expect(await livePid(node!)).toBe(child.pid);
  });

  it('treat a pid of another process as stale and remove the file', async () => {
    const [node] = clusterLayout(dir, 1).nodes;
    const stranger = await fakeDaemon(node!, { isJava: false });
    expect(await livePid(node!)).toBeUndefined();
    const result = await stopNode(node!);
    expect(result).toEqual({ node: 1, pid: undefined, signal: undefined });
    expect(isRunning(stranger)).toBe(true);
  });
});

describe('stopLocalCluster', () => {
  it('ends the daemons of its dir with SIGTERM and leaves another dir’s daemon alone', async () => {
    const layout = clusterLayout(dir, 2, 200);
    await writeFile(
      layout.metaFile,
      JSON.stringify({ version: '5.0.9', nodes: 2, firstNode: 200, isAuthEnabled: false }),
    );
    const ours = await fakeDaemon(layout.nodes[0]!);
    // Node 2's pid file points at a daemon that belongs to another cluster folder.
    const theirs = await fakeDaemon(layout.nodes[1]!, {
      markerDir: join(dir, 'elsewhere', 'node201'),
    });
    const oursExit = once(ours, 'exit');

    const results = await stopLocalCluster(dir);

    expect(results).toEqual([
      { node: 200, pid: ours.pid, signal: 'SIGTERM' },
      { node: 201, pid: undefined, signal: undefined },
    ]);
    expect(await oursExit).toEqual([null, 'SIGTERM']);
    expect(isRunning(theirs)).toBe(true);
  });

  it('kills a daemon that ignores SIGTERM once the grace period is over', async () => {
    const [node] = clusterLayout(dir, 1, 202).nodes;
    const stubborn = await fakeDaemon(node!, { isTermIgnored: true });
    const exit = once(stubborn, 'exit');
    const result = await stopNode(node!, 300);
    expect(result.signal).toBe('SIGKILL');
    expect(await exit).toEqual([null, 'SIGKILL']);
  });

  it('does nothing for a dir without a cluster', async () => {
    expect(await stopLocalCluster(join(dir, 'none'))).toEqual([]);
  });
});
