/**
 * Finds the two external tools a local cluster needs, a JDK and Maven, and says exactly what to
 * install when one is missing. Cassandra 5.0 runs on JDK 11 and 17 only: newer JDKs removed the
 * Security Manager and APIs it still calls, so JDK 24+ fails at startup in obscure ways.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { SetupError } from '../../../runtime/errors.ts';

const execFileAsync = promisify(execFile);

export const JAVA_INSTALL_HINT =
  'install a JDK 11 or 17 (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless; macOS: brew install openjdk@17) and put its bin/ on PATH or set JAVA_HOME';
export const MAVEN_INSTALL_HINT =
  'install Apache Maven 3.6+ (Debian/Ubuntu: apt-get install maven; macOS: brew install maven)';

/** The JDK majors Cassandra 5.0 supports (conf/jvm11-server.options and jvm17-server.options). */
export const SUPPORTED_JAVA_MAJORS: readonly number[] = [11, 17];

export interface Java {
  path: string;
  major: number;
  /** The first line of `java -version`, for messages. */
  versionLine: string;
}

export interface ToolchainEnv {
  /** Defaults to process.env.PATH. */
  PATH?: string | undefined;
  /** Defaults to process.env.JAVA_HOME. */
  JAVA_HOME?: string | undefined;
}

export function setupError(message: string, details?: Record<string, unknown>): SetupError {
  return new SetupError(message, { details });
}

/** Finds an executable on a PATH string, as a shell would; undefined when absent. */
export function whichSync(command: string, path: string | undefined): string | undefined {
  for (const folder of (path ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder: keep looking.
    }
  }
  return undefined;
}

/** `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` or `"1.8.0_392"`. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

export async function findJava(env: ToolchainEnv = process.env): Promise<Java> {
  const fromHome = env.JAVA_HOME ? whichSync('java', join(env.JAVA_HOME, 'bin')) : undefined;
  const path = fromHome ?? whichSync('java', env.PATH);
  if (path === undefined) {
    const where = env.JAVA_HOME
      ? `neither in JAVA_HOME/bin (${env.JAVA_HOME}/bin) nor on PATH`
      : 'on PATH and JAVA_HOME is not set';
    throw setupError(`Java not found ${where}: ${JAVA_INSTALL_HINT}`);
  }
  let output: string;
  try {
    // `java -version` writes to stderr.
    const { stderr, stdout } = await execFileAsync(path, ['-version'], { timeout: 30_000 });
    output = `${stderr}${stdout}`;
  } catch (cause) {
    throw setupError(`${path} -version failed: ${JAVA_INSTALL_HINT}`, { java: path, cause });
  }
  const versionLine = output.split('\n')[0]?.trim() ?? '';
  const major = parseJavaMajor(output);
  if (major === undefined) {
    throw setupError(`cannot read the Java version from "${versionLine}" (${path})`);
  }
  if (!SUPPORTED_JAVA_MAJORS.includes(major)) {
    const why =
      major >= 24
        ? 'JDK 24 and later cannot run Cassandra 5.0'
        : major < 11
          ? 'Cassandra 5.0 needs at least JDK 11'
          : `Cassandra 5.0 supports JDK ${SUPPORTED_JAVA_MAJORS.join(' and ')} only`;
    throw setupError(`${path} is Java ${major} ("${versionLine}"): ${why}; ${JAVA_INSTALL_HINT}`, {
      java: path,
      major,
    });
  }
  return { path, major, versionLine };
}

export function findMaven(env: ToolchainEnv = process.env): string {
  const path = whichSync('mvn', env.PATH);
  if (path === undefined) {
    throw setupError(
      `mvn not found on PATH (Maven resolves Cassandra's jars from Maven Central once): ${MAVEN_INSTALL_HINT}`,
    );
  }
  return path;
}
