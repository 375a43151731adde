import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClasspath } from '../../../../connectors/cassandra/local/classpath.ts';
import { ensureLocalCluster } from '../../../../connectors/cassandra/local/cluster.ts';
import {
  findJava,
  findMaven,
  parseJavaMajor,
} from '../../../../connectors/cassandra/local/toolchain.ts';
import { SluiceError } from '../../../../runtime/errors.ts';

const execFileAsync = promisify(execFile);
const CLI = new URL('../../../../bin/sluice.js', import.meta.url).pathname;

let scratch: string;
/** A fake JDK home whose bin/ holds only a `java` that reports the given version; returns bin/. */
async function fakeJava(version: string): Promise<string> {
  const home = await mkdtemp(join(scratch, 'jdk-'));
  const bin = join(home, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'java'), `#!/bin/sh\necho '${version}' >&2\n`);
  await chmod(join(bin, 'java'), 0o755);
  return bin;
}

async function setupErrorOf(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SluiceError);
  expect((error as SluiceError).code).toBe('ERR_SETUP');
  return error as SluiceError;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sluice-toolchain-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "11.0.2" 2019-01-15', 11],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "24" 2025-03-18', 24],
    ['openjdk version "21-ea" 2023-09-19', 21],
  ])('%s → %i', (line, major) => {
    expect(parseJavaMajor(line)).toBe(major);
  });

  it('returns undefined for text without a version', () => {
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });
});

describe('a missing or unsuitable JDK', () => {
  it('names the package to install when java is not on PATH', async () => {
    const error = await setupErrorOf(findJava({ PATH: '/nonexistent', JAVA_HOME: undefined }));
    expect(error.message).toMatch(/^Java not found on PATH/);
    expect(error.message).toContain('apt-get install openjdk-17-jdk-headless');
  });

  it('says that JAVA_HOME was looked at too when it is set', async () => {
    const error = await setupErrorOf(findJava({ PATH: '/nonexistent', JAVA_HOME: '/no/jdk' }));
    expect(error.message).toContain('/no/jdk/bin');
    expect(error.message).toContain('install a JDK 11 or 17');
  });

  it('prefers JAVA_HOME over PATH', async () => {
    const jdk17 = await fakeJava('openjdk version "17.0.1" 2021-10-19');
    const jdk24 = await fakeJava('openjdk version "24.0.1" 2025-04-15');
    const java = await findJava({ PATH: jdk24, JAVA_HOME: dirname(jdk17) });
    expect(java).toMatchObject({ path: join(jdk17, 'java'), major: 17 });
  });

  it.each([
    ['openjdk version "24.0.1" 2025-04-15', 24, 'JDK 24 and later cannot run Cassandra 5.0'],
    ['openjdk version "25" 2025-09-16', 25, 'JDK 24 and later cannot run Cassandra 5.0'],
    ['java version "1.8.0_392"', 8, 'Cassandra 5.0 needs at least JDK 11'],
    ['openjdk version "21.0.2" 2024-01-16', 21, 'supports JDK 11 and 17 only'],
  ])('rejects %s', async (line, major, why) => {
    const bin = await fakeJava(line);
    const error = await setupErrorOf(findJava({ PATH: bin, JAVA_HOME: undefined }));
    expect(error.message).toContain(`is Java ${major}`);
    expect(error.message).toContain(why);
    expect(error.message).toContain('apt-get install openjdk-17-jdk-headless');
  });

  it('accepts JDK 17', async () => {
    const bin = await fakeJava('openjdk version "17.0.15" 2025-04-15');
    await expect(findJava({ PATH: bin, JAVA_HOME: undefined })).resolves.toMatchObject({
      path: join(bin, 'java'),
      major: 17,
    });
  });

  it('fails ensureLocalCluster before any process starts', async () => {
    const dir = join(scratch, 'cluster-no-java');
    const error = await setupErrorOf(
      ensureLocalCluster({
        dir,
        nodes: 1,
        firstNode: 250,
        env: { PATH: '/nonexistent' },
        onProgress: () => {},
      }),
    );
    expect(error.message).toContain('Java not found on PATH');
  });

  it('makes `sluice cassandra start` exit 1 with the hint on stderr', async () => {
    const run = execFileAsync(
      process.execPath,
      [
        CLI,
        'cassandra',
        'start',
        '--nodes',
        '1',
        '--first-node',
        '251',
        '--dir',
        join(scratch, 'cli'),
      ],
      { env: { PATH: '/nonexistent', HOME: scratch } },
    );
    const failure = await run.then(
      () => undefined,
      (reason: { code: number; stderr: string }) => reason,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(
      /^sluice: Java not found on PATH.*apt-get install openjdk-17-jdk-headless.*\[ERR_SETUP\]$/m,
    );
  });
});

describe('a missing Maven', () => {
  it('names the package to install', () => {
    let error: unknown;
    try {
      findMaven({ PATH: '/nonexistent' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).message).toMatch(/^mvn not found on PATH.*apt-get install maven/);
  });

  it('fails a classpath resolution that has no cache to fall back on', async () => {
    const error = await setupErrorOf(
      resolveClasspath({ cacheDir: join(scratch, 'empty-cache'), env: { PATH: '/nonexistent' } }),
    );
    expect(error.message).toContain('apt-get install maven');
  });
});
