/**
 * Resolves Cassandra's classpath with Maven once, then reads it from a cache file.
 *
 * Maven takes seconds even when every jar is already in ~/.m2, so the resolved classpath is
 * cached under ~/.cache/sluice, keyed by a hash of pom.xml: editing the pom (a new Cassandra
 * version) resolves again. A cache whose jars were deleted from ~/.m2 is resolved again too.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findMaven, setupError, type ToolchainEnv } from './toolchain.ts';

/** Must match the version in pom.xml; it names the cache file and the cluster metadata. */
export const CASSANDRA_VERSION = '5.0.9';
export const POM_PATH = fileURLToPath(new URL('./pom.xml', import.meta.url));

export interface CassandraClasspath {
  version: string;
  jars: string[];
  /** The jamm jar, which must also be loaded as a -javaagent to measure object sizes. */
  jammJar: string;
  /** Whether this call ran Maven (the cold path) or read the cache. */
  isFreshlyResolved: boolean;
}

export interface ResolveOptions {
  /** Defaults to ~/.cache/sluice. */
  cacheDir?: string;
  env?: ToolchainEnv & NodeJS.ProcessEnv;
  onProgress?: (message: string) => void;
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sluice');
}

/** The cache file for the current pom.xml: a changed pom gets a new file. */
export async function classpathCacheFile(cacheDir: string): Promise<string> {
  const pomHash = createHash('sha256')
    .update(await readFile(POM_PATH))
    .digest('hex')
    .slice(0, 12);
  return join(cacheDir, `cassandra-${CASSANDRA_VERSION}-${pomHash}.classpath`);
}

export async function resolveClasspath(options: ResolveOptions = {}): Promise<CassandraClasspath> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cacheFile = await classpathCacheFile(cacheDir);

  const cached = await readCache(cacheFile);
  if (cached) return { ...cached, isFreshlyResolved: false };

  const env = options.env ?? process.env;
  const mvn = findMaven(env);
  options.onProgress?.(
    `resolving Cassandra ${CASSANDRA_VERSION} and its dependencies with Maven (once; jars go to ~/.m2)…`,
  );
  const began = Date.now();
  await mkdir(cacheDir, { recursive: true });
  // Unique per call: two clusters may be started at once by one process.
  const output = `${cacheFile}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await runMaven(
      mvn,
      ['-B', '-q', '-f', POM_PATH, 'dependency:build-classpath', `-Dmdep.outputFile=${output}`],
      env,
    );
    const jars = splitClasspath(await readFile(output, 'utf8'));
    const resolved = validate(jars, cacheFile);
    options.onProgress?.(
      `resolved ${jars.length} jars in ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
    // Rename is atomic: a concurrent start never reads a half-written cache.
    await rename(output, cacheFile);
    return { ...resolved, isFreshlyResolved: true };
  } finally {
    await rm(output, { force: true });
  }
}

async function readCache(
  cacheFile: string,
): Promise<Omit<CassandraClasspath, 'isFreshlyResolved'> | undefined> {
  let text: string;
  try {
    text = await readFile(cacheFile, 'utf8');
  } catch {
    return undefined;
  }
  const jars = splitClasspath(text);
  if (jars.length === 0 || !jars.every((jar) => existsSync(jar))) return undefined;
  try {
    return validate(jars, cacheFile);
  } catch {
    return undefined;
  }
}

function splitClasspath(text: string): string[] {
  return text
    .trim()
    .split(delimiter)
    .filter((jar) => jar !== '');
}

function validate(jars: string[], where: string): Omit<CassandraClasspath, 'isFreshlyResolved'> {
  const names = jars.map((jar) => basename(jar));
  if (!names.some((name) => name === `cassandra-all-${CASSANDRA_VERSION}.jar`)) {
    throw setupError(
      `the resolved classpath (${where}) lacks cassandra-all-${CASSANDRA_VERSION}.jar`,
    );
  }
  // Without JNA Cassandra cannot lock memory or create hard links for snapshots.
  if (!names.some((name) => /^jna-\d/.test(name))) {
    throw setupError(`the resolved classpath (${where}) lacks the JNA jar`);
  }
  const jammJar = jars.find((jar) => /^jamm-\d.*\.jar$/.test(basename(jar)));
  if (jammJar === undefined) {
    throw setupError(`the resolved classpath (${where}) lacks the jamm jar`);
  }
  return { version: CASSANDRA_VERSION, jars, jammJar };
}

function runMaven(mvn: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(mvn, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolve();
        return;
      }
      // The cassandra-parent pom logs ERROR lines about jmc/VisualVM system paths even on
      // success, so only a failed exit is an error, and its last lines say why.
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n');
      reject(
        setupError(
          `mvn dependency:build-classpath failed for ${POM_PATH} (is Maven Central reachable?):\n${tail}`,
          { cause: error },
        ),
      );
    });
  });
}
