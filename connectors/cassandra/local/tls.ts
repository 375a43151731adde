/**
 * The TLS material of a local cluster that encrypts client connections: a certificate authority
 * made for this cluster alone, and one key pair for its nodes, signed by that CA and valid for
 * every node's address. Clients trust the CA's PEM file (`--tls-ca`).
 *
 * keytool makes it all: it ships with every JDK that can run the nodes, while openssl may be
 * absent from a fresh machine. The keystore password is random, is handed to keytool through
 * its environment (never on a command line, where other local users could read it) and lives
 * in a file only the owner can read. The CA's private key is deleted once it has signed the
 * nodes' certificate, so nothing on disk can mint another certificate that clients would trust.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Secret } from '../secret.ts';
import { setupError, whichSync } from './toolchain.ts';

const execFileAsync = promisify(execFile);

/** Client encryption of a local cluster: `optional` also serves plain clients on the same port. */
export type TlsMode = 'off' | 'optional' | 'required';
export const TLS_MODES: readonly TlsMode[] = ['off', 'optional', 'required'];

export interface TlsMaterial {
  /** PEM of the CA certificate: what clients pass as --tls-ca. */
  caFile: string;
  /** PKCS12 keystore with the nodes' private key and certificate chain. */
  keystoreFile: string;
  keystorePassword: Secret;
}

export interface TlsMaterialOptions {
  /** The folder that holds (or will hold) the material, e.g. <cluster dir>/tls. */
  dir: string;
  /** The nodes' addresses: the certificate names each one, so clients can verify any node. */
  addresses: string[];
  /** The java the nodes run with; keytool is looked for beside it. */
  javaPath: string;
  /** Names the CA, so an error about a wrong CA can say which one it trusted. */
  caName: string;
  onProgress?: (message: string) => void;
}

const CA_FILE = 'ca.pem';
const KEYSTORE_FILE = 'node.p12';
const PASSWORD_FILE = 'keystore-password';
/** keytool reads the password from this variable of its environment (`-storepass:env`). */
const PASSWORD_VARIABLE = 'SLUICE_KEYSTORE_PASSWORD';
const VALIDITY_DAYS = '3650';

/** Paths only: whether the material exists is `ensureTlsMaterial`'s business. */
export function tlsFiles(dir: string): { caFile: string; keystoreFile: string } {
  return { caFile: join(dir, CA_FILE), keystoreFile: join(dir, KEYSTORE_FILE) };
}

/**
 * The material in `options.dir`, made there first if any part is missing. It is made in a
 * sibling folder and renamed into place, so a start killed half-way leaves no half of it.
 */
export async function ensureTlsMaterial(options: TlsMaterialOptions): Promise<TlsMaterial> {
  const existing = await readTlsMaterial(options.dir);
  if (existing !== undefined) return existing;
  const keytool = await findKeytool(options.javaPath);
  options.onProgress?.(`making a CA and a node key pair with ${keytool} in ${options.dir}`);
  const partial = `${options.dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true, mode: 0o700 });
  const password = randomBytes(24).toString('base64url');
  const caStore = join(partial, 'ca.p12');
  const nodeStore = join(partial, KEYSTORE_FILE);
  const request = join(partial, 'node.csr');
  const nodeCert = join(partial, 'node.pem');
  const caPem = join(partial, CA_FILE);
  const names = [...options.addresses.map((address) => `ip:${address}`), 'dns:localhost'];
  /** `flags` hold no spaces; values that may (names, paths) go in `more`. */
  const run = (flags: string, store: string, ...more: string[]) =>
    runKeytool(
      keytool,
      [...flags.split(' '), ...more, '-keystore', store, '-storetype', 'PKCS12'],
      password,
    );
  const ecKey = `-keyalg EC -groupname secp256r1 -validity ${VALIDITY_DAYS}`;
  await run(
    `-genkeypair -alias ca ${ecKey} -ext bc:c -ext KeyUsage:critical=keyCertSign,cRLSign`,
    caStore,
    ...['-dname', `CN=${options.caName}`],
  );
  await run(`-genkeypair -alias node ${ecKey}`, nodeStore, '-dname', 'CN=sluice local node');
  await run('-certreq -alias node', nodeStore, '-file', request);
  await run(
    `-gencert -alias ca -rfc -validity ${VALIDITY_DAYS} -ext EKU=serverAuth -ext KeyUsage:critical=digitalSignature`,
    caStore,
    ...['-ext', `SAN=${names.join(',')}`, '-infile', request, '-outfile', nodeCert],
  );
  await run('-exportcert -alias ca -rfc', caStore, '-file', caPem);
  // The reply installs only onto a chain keytool can verify, so the CA goes in first.
  await run('-importcert -alias ca -noprompt', nodeStore, '-file', caPem);
  await run('-importcert -alias node -noprompt', nodeStore, '-file', nodeCert);
  await Promise.all([caStore, request, nodeCert].map((file) => rm(file)));
  await writeFile(join(partial, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  await chmod(nodeStore, 0o600);
  await rm(options.dir, { recursive: true, force: true });
  await rename(partial, options.dir);
  return { ...tlsFiles(options.dir), keystorePassword: new Secret(password) };
}

async function readTlsMaterial(dir: string): Promise<TlsMaterial | undefined> {
  const files = tlsFiles(dir);
  try {
    await access(files.caFile);
    await access(files.keystoreFile);
    const password = (await readFile(join(dir, PASSWORD_FILE), 'utf8')).trim();
    if (password === '') return undefined;
    return { ...files, keystorePassword: new Secret(password) };
  } catch {
    return undefined;
  }
}

/** Beside the java found (JAVA_HOME/bin or PATH), or beside the file a /usr/bin link points to. */
async function findKeytool(javaPath: string): Promise<string> {
  const found =
    whichSync('keytool', dirname(javaPath)) ??
    whichSync('keytool', dirname(await realpath(javaPath).catch(() => javaPath)));
  if (found === undefined) {
    throw setupError(
      `keytool not found beside ${javaPath}: a full JDK ships it (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless)`,
    );
  }
  return found;
}

async function runKeytool(keytool: string, args: string[], password: string): Promise<void> {
  try {
    await execFileAsync(keytool, [...args, '-storepass:env', PASSWORD_VARIABLE], {
      env: { ...process.env, [PASSWORD_VARIABLE]: password },
      timeout: 120_000,
    });
  } catch (error) {
    // keytool names what failed on stdout or stderr; the password is never on either.
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const said = `${stderr ?? ''}${stdout ?? ''}`.trim().split('\n').slice(-3).join(' ');
    throw setupError(`keytool ${args[0]} failed: ${said || (error as Error).message}`);
  }
}
