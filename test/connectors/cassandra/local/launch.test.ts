/**
 * What `ensureLocalCluster` does when a node does not come up, without a real JVM: a fake `java`
 * answers `-version` as JDK 17 and otherwise runs a Node process that keeps every JVM argument on
 * its command line, so it passes for this node's CassandraDaemon but never serves CQL.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classpathCacheFile } from '../../../../connectors/cassandra/local/classpath.ts';
import { ensureLocalCluster } from '../../../../connectors/cassandra/local/cluster.ts';
import { clusterLayout } from '../../../../connectors/cassandra/local/layout.ts';
import { SluiceError } from '../../../../runtime/errors.ts';

let scratch: string;
let cacheDir: string;

/** A bin/ with a fake java whose "JVM" runs `body` (Node code). */
async function fakeJdk(body: string): Promise<string> {
  const bin = await mkdtemp(join(scratch, 'bin-'));
  await writeFile(
    join(bin, 'java'),
    `#!/bin/sh
if [ "$1" = "-version" ]; then echo 'openjdk version "17.0.15" 2025-04-15' >&2; exit 0; fi
exec '${process.execPath}' -e '${body}' -- "$@"
`,
  );
  await chmod(join(bin, 'java'), 0o755);
  return bin;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sluice-launch-'));
  // A classpath cache whose jars exist, so no Maven run is needed.
  cacheDir = join(scratch, 'cache');
  const jars = join(scratch, 'jars');
  await mkdir(jars, { recursive: true });
  const names = ['cassandra-all-5.0.9.jar', 'jna-5.13.0.jar', 'jamm-0.4.0.jar'];
  await Promise.all(names.map((name) => writeFile(join(jars, name), '')));
  await mkdir(cacheDir, { recursive: true });
  await writeFile(
    await classpathCacheFile(cacheDir),
    names.map((name) => join(jars, name)).join(':'),
  );
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function failureOf(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SluiceError);
  return error as SluiceError;
}

describe('ensureLocalCluster when a node does not come up', () => {
  it('fails at once when a JVM exits, quoting its log', async () => {
    const bin = await fakeJdk(
      'console.log("ERROR [main] Exception encountered during startup: no room"); process.exit(3)',
    );
    const dir = join(scratch, 'dies');
    const began = Date.now();
    const error = await failureOf(
      ensureLocalCluster({
        dir,
        nodes: 1,
        firstNode: 240,
        timeoutMs: 60_000,
        classpathCacheDir: cacheDir,
        env: { PATH: bin },
        onProgress: () => {},
      }),
    );
    expect(error.code).toBe('ERR_SETUP');
    expect(error.message).toMatch(
      /node 240 \(127\.0\.0\.240, pid \d+\) exited with code 3 while starting/,
    );
    expect(error.message).toContain('Exception encountered during startup: no room');
    // Well before the readiness deadline: the exit was noticed, not timed out.
    expect(Date.now() - began).toBeLessThan(30_000);
  });

  it('stops the JVMs it launched when the cluster is not ready in time', async () => {
    const bin = await fakeJdk('setInterval(() => {}, 1000)');
    const dir = join(scratch, 'slow');
    const messages: string[] = [];
    const error = await failureOf(
      ensureLocalCluster({
        dir,
        nodes: 2,
        firstNode: 241,
        timeoutMs: 2_000,
        classpathCacheDir: cacheDir,
        env: { PATH: bin },
        onProgress: (message) => messages.push(message),
      }),
    );
    expect(error.message).toMatch(
      /was not ready within 2 s \(127\.0\.0\.241 no CQL yet; 127\.0\.0\.242 no CQL yet\)/,
    );
    const pids = messages.flatMap(
      (message) => /^started node \d+ .*\(pid (\d+),/.exec(message)?.[1] ?? [],
    );
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(Number(pid))).toBe(false);
    expect(messages).toContain('start failed: stopping node(s) 241, 242');
    for (const node of clusterLayout(dir, 2, 241).nodes) {
      await expect(readFile(node.pidFile, 'utf8')).rejects.toThrow(/ENOENT/);
    }
  });
});
