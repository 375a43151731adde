/**
 * A real local Apache Cassandra cluster for development and CI: one JVM per node on 127.0.0.N,
 * started detached (they outlive the command that started them) and tracked by pid files under
 * the cluster dir. `ensureLocalCluster` is idempotent: running nodes are reused, missing ones are
 * started, and it returns only when the cluster is ready (see readiness.ts for what that means).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CASSANDRA_VERSION, resolveClasspath } from './classpath.ts';
import { jvmArguments, renderCassandraYaml, renderLogbackXml } from './config.ts';
import { type ClusterLayout, clusterLayout, LOCAL_DATA_CENTER, type NodeLayout } from './layout.ts';
import { dropLease, takeLease } from './leases.ts';
import { withClusterLock } from './lock.ts';
import { type Credentials, probeCluster, waitUntilReady } from './probe.ts';
import { livePid, type StopResult, stopNode } from './processes.ts';
import { ensureTlsMaterial, type TlsMaterial, type TlsMode, tlsFiles } from './tls.ts';
import { findJava, setupError, type ToolchainEnv } from './toolchain.ts';

export const DEFAULT_CLUSTER_DIR = '.sluice/cassandra';
export const DEFAULT_SUPERUSER: Credentials = { username: 'cassandra', password: 'cassandra' };

export interface LocalClusterOptions {
  /** Defaults to 3. */
  nodes?: number;
  /** Defaults to .sluice/cassandra (relative to the working directory). */
  dir?: string;
  /** Node numbers start here: addresses 127.0.0.firstNode and up. Defaults to 1. */
  firstNode?: number;
  /** Password authentication; the superuser is cassandra/cassandra. */
  isAuthEnabled?: boolean;
  /**
   * Client encryption (tls.ts makes a CA and the nodes' keystore under the dir). Undefined: what
   * the dir last ran with, `off` for a new dir. A running cluster keeps its mode: asking for
   * another one fails, since a node reads its keystore only when it starts.
   */
  tls?: TlsMode;
  /** JVM heap per node. Defaults to 512 MiB. */
  heapMiB?: number;
  /** How long to wait for the cluster to be ready. Defaults to 5 minutes. */
  timeoutMs?: number;
  /** Progress lines; defaults to stderr. */
  onProgress?: (message: string) => void;
  /**
   * Share the cluster with other processes (test runs): take a lease, and let `release()` stop
   * the nodes leased users started once the last lease is gone. Nodes started without a lease
   * (the CLI) are never stopped by a release. See leases.ts.
   */
  isLeased?: boolean;
  /** Where the resolved classpath is cached; defaults to ~/.cache/sluice. */
  classpathCacheDir?: string;
  /** Where to look for java and mvn; defaults to process.env. */
  env?: ToolchainEnv & NodeJS.ProcessEnv;
}

export interface LocalCluster {
  dir: string;
  /** `host:port` of every node, for the driver's contactPoints. */
  contactPoints: string[];
  localDataCenter: string;
  credentials: Credentials | undefined;
  tls: TlsMode;
  /** The CA's PEM file that clients trust (`--tls-ca`), when `tls` is not `off`. */
  tlsCaFile: string | undefined;
  /** One pid per node, in node order. */
  pids: number[];
  /** Node numbers this call started; empty when the whole cluster was already running. */
  startedNodes: number[];
  /** Stops every node of this cluster (not only the ones this call started). */
  stop(): Promise<StopResult[]>;
  /**
   * With `isLeased`: drops this lease and, if it was the last live one, stops the nodes that
   * leased users started (a cluster found running, or adopted by the CLI, stays up).
   */
  release(): Promise<StopResult[]>;
}

/** What cluster.json records, so stop and status need no options to find the nodes. */
interface ClusterMeta {
  version: string;
  nodes: number;
  firstNode: number;
  isAuthEnabled: boolean;
  /** What the nodes last started with; absent in dirs made before TLS existed: `off`. */
  tls?: TlsMode;
}

const stderrProgress = (message: string): void => {
  process.stderr.write(`[sluice cassandra] ${message}\n`);
};

export async function ensureLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const meta: ClusterMeta = {
    version: CASSANDRA_VERSION,
    nodes: options.nodes ?? 3,
    firstNode: options.firstNode ?? 1,
    isAuthEnabled: options.isAuthEnabled ?? false,
  };
  const layout = clusterLayout(options.dir ?? DEFAULT_CLUSTER_DIR, meta.nodes, meta.firstNode);
  const progress = options.onProgress ?? stderrProgress;
  const credentials = meta.isAuthEnabled ? DEFAULT_SUPERUSER : undefined;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;

  return withClusterLock(layout.dir, deadline, async () => {
    const found = await checkMeta(layout, meta);
    const pids = await Promise.all(layout.nodes.map((node) => livePid(node)));
    const missing = layout.nodes.filter((_, i) => pids[i] === undefined);
    const isRunning = missing.length < layout.nodes.length;
    meta.tls = options.tls ?? found?.tls ?? 'off';
    if (isRunning && meta.tls !== (found?.tls ?? 'off')) {
      throw setupError(
        `the cluster in ${layout.dir} runs with TLS ${found?.tls ?? 'off'}, but TLS ${meta.tls} was asked for;` +
          ' a node reads its keystore only when it starts: stop it' +
          ` (sluice cassandra stop --dir ${layout.dir}) and start it again with --tls ${meta.tls}`,
      );
    }
    const tlsCaFile = meta.tls === 'off' ? undefined : tlsFiles(layout.tlsDir).caFile;
    const readiness = async () => ({
      credentials,
      tlsCa: tlsCaFile === undefined ? undefined : await readFile(tlsCaFile, 'utf8'),
      deadline,
      timeoutMs,
      onProgress: progress,
    });
    if (missing.length === 0) {
      progress(`reusing the running ${meta.nodes}-node cluster in ${layout.dir}`);
      await waitUntilReady(layout, await readiness());
    } else {
      // The toolchain first: a missing JDK is the likeliest problem and its message says what to do.
      const java = await findJava(options.env);
      const classpath = await resolveClasspath({
        env: options.env,
        cacheDir: options.classpathCacheDir,
        onProgress: progress,
      });
      await assertPortsFree(missing);
      await mkdir(layout.dir, { recursive: true });
      const tls =
        meta.tls === 'off'
          ? undefined
          : {
              mode: meta.tls,
              material: await ensureTlsMaterial({
                dir: layout.tlsDir,
                addresses: layout.nodes.map((node) => node.address),
                javaPath: java.path,
                caName: `sluice local CA ${layout.name} ${new Date().toISOString()}`,
                onProgress: progress,
              }),
            };
      await writeFile(layout.metaFile, `${JSON.stringify(meta, null, 2)}\n`);
      const launched: Launched[] = [];
      const start = async (node: NodeLayout): Promise<void> => {
        await writeNodeConfig(layout, node, meta, tls?.material);
        const args = jvmArguments(node, {
          javaMajor: java.major,
          jars: classpath.jars,
          jammJar: classpath.jammJar,
          heapMiB: options.heapMiB,
          clusterSize: meta.nodes,
        });
        const started = await launch(java.path, args, node);
        pids[layout.nodes.indexOf(node)] = started.pid;
        launched.push(started);
        progress(
          `started node ${node.number} on ${node.address} (pid ${started.pid}, logs in ${node.logDir})`,
        );
      };
      // A node that dies while we wait fails the start at once, with its log's last lines.
      const unlessANodeDies = <T>(work: Promise<T>): Promise<T> =>
        Promise.race([work, ...launched.map((started) => started.exited)]);
      try {
        // A fresh node with auto_bootstrap off joins without asking anyone, so a fresh cluster
        // starts all at once. A node that has run before first runs a gossip shadow round
        // against the seed and dies if no seed answers: then the seed must listen first.
        const others = missing.filter((node) => node !== layout.seed);
        if (missing.includes(layout.seed) && someHaveRun(others)) {
          await start(layout.seed);
          progress(`waiting for the seed ${layout.seed.address} to listen for gossip`);
          await unlessANodeDies(
            waitForPort(layout.seed.address, layout.seed.storagePort, deadline),
          );
          for (const node of others) await start(node);
        } else {
          for (const node of missing) await start(node);
        }
        await unlessANodeDies(waitUntilReady(layout, await readiness()));
      } catch (error) {
        // A half-started cluster is of no use to anyone: end the JVMs this call launched.
        for (const started of launched) started.forget();
        const ours = missing.filter((node) => launched.some((started) => started.node === node));
        progress(`start failed: stopping node(s) ${ours.map((node) => node.number).join(', ')}`);
        await Promise.all(ours.map((node) => stopNode(node, 10_000)));
        throw error;
      } finally {
        for (const started of launched) started.forget();
      }
    }
    const startedNodes = missing.map((node) => node.number);
    const lease = options.isLeased ? await takeLease(layout.dir, startedNodes) : undefined;
    progress(`ready: ${layout.nodes.map((n) => `${n.address}:${n.nativePort}`).join(', ')}`);
    if (tlsCaFile !== undefined) {
      const plain = meta.tls === 'optional' ? '; plain clients are served too' : '';
      progress(`TLS ${meta.tls}: clients trust the CA in ${tlsCaFile} (--tls-ca)${plain}`);
    }
    return {
      dir: layout.dir,
      contactPoints: layout.nodes.map((node) => `${node.address}:${node.nativePort}`),
      localDataCenter: LOCAL_DATA_CENTER,
      credentials,
      tls: meta.tls,
      tlsCaFile,
      pids: pids as number[],
      startedNodes,
      stop: () => stopLocalCluster(layout.dir),
      release: () => releaseLease(layout, lease),
    };
  });
}

async function releaseLease(
  layout: ClusterLayout,
  lease: string | undefined,
): Promise<StopResult[]> {
  if (lease === undefined) return [];
  return withClusterLock(layout.dir, Date.now() + 60_000, async () => {
    const numbers = await dropLease(layout.dir, lease);
    const nodes = layout.nodes.filter((node) => numbers.includes(node.number));
    return Promise.all(nodes.map((node) => stopNode(node)));
  });
}

/** Stops the nodes of the cluster in `dir` that its pid files name; other processes are left alone. */
export async function stopLocalCluster(dir: string = DEFAULT_CLUSTER_DIR): Promise<StopResult[]> {
  const layout = await readLayout(dir);
  if (layout === undefined) return [];
  return Promise.all(layout.nodes.map((node) => stopNode(node)));
}

export interface NodeStatus {
  number: number;
  address: string;
  pid: number | undefined;
  /** The JVM is running and answers CQL. */
  isUp: boolean;
  /** Addresses of the peers this node sees UP (NORMAL, heartbeat advancing). */
  peersUp: string[];
}

export interface ClusterStatus {
  dir: string;
  /** False when `dir` holds no cluster. */
  exists: boolean;
  isAuthEnabled: boolean;
  tls: TlsMode;
  /** The CA's PEM file, when `tls` is not `off`. */
  tlsCaFile: string | undefined;
  nodes: NodeStatus[];
}

export async function clusterStatus(dir: string = DEFAULT_CLUSTER_DIR): Promise<ClusterStatus> {
  const meta = await readMeta(dir);
  const layout = meta && clusterLayout(dir, meta.nodes, meta.firstNode);
  if (meta === undefined || layout === undefined) {
    const dirOnly = clusterLayout(dir, 1).dir;
    return {
      dir: dirOnly,
      exists: false,
      isAuthEnabled: false,
      tls: 'off',
      tlsCaFile: undefined,
      nodes: [],
    };
  }
  const credentials = meta.isAuthEnabled ? DEFAULT_SUPERUSER : undefined;
  const tls = meta.tls ?? 'off';
  const tlsCaFile = tls === 'off' ? undefined : tlsFiles(layout.tlsDir).caFile;
  const tlsCa = tlsCaFile && (await readFile(tlsCaFile, 'utf8').catch(() => undefined));
  const pids = await Promise.all(layout.nodes.map((node) => livePid(node)));
  const probes = await probeCluster(layout, credentials, { isGossipChecked: true, tlsCa });
  return {
    dir: layout.dir,
    exists: true,
    isAuthEnabled: meta.isAuthEnabled,
    tls,
    tlsCaFile,
    nodes: layout.nodes.map((node, i) => ({
      number: node.number,
      address: node.address,
      pid: pids[i],
      isUp: pids[i] !== undefined && probes[i]!.servesCql,
      peersUp: probes[i]!.peersUp,
    })),
  };
}

async function readMeta(dir: string): Promise<ClusterMeta | undefined> {
  try {
    return JSON.parse(await readFile(clusterLayout(dir, 1).metaFile, 'utf8')) as ClusterMeta;
  } catch {
    return undefined;
  }
}

async function readLayout(dir: string): Promise<ClusterLayout | undefined> {
  const meta = await readMeta(dir);
  return meta && clusterLayout(dir, meta.nodes, meta.firstNode);
}

/**
 * A dir keeps one cluster shape: its data was written with these tokens and this auth setting.
 * TLS is not part of the shape (it changes nothing on disk); the caller judges it.
 */
async function checkMeta(
  layout: ClusterLayout,
  wanted: ClusterMeta,
): Promise<ClusterMeta | undefined> {
  const found = await readMeta(layout.dir);
  if (found === undefined) return undefined;
  const differs =
    found.nodes !== wanted.nodes ||
    found.firstNode !== wanted.firstNode ||
    found.isAuthEnabled !== wanted.isAuthEnabled ||
    found.version !== wanted.version;
  if (differs) {
    throw setupError(
      `${layout.dir} holds a Cassandra ${found.version} cluster of ${found.nodes} node(s) from 127.0.0.${found.firstNode}` +
        ` (auth ${found.isAuthEnabled ? 'on' : 'off'}), but ${wanted.nodes} node(s) from 127.0.0.${wanted.firstNode}` +
        ` (auth ${wanted.isAuthEnabled ? 'on' : 'off'}, Cassandra ${wanted.version}) were asked for:` +
        ` stop it (sluice cassandra stop --dir ${layout.dir}) and delete the dir, or use another --dir`,
      { found, wanted },
    );
  }
  return found;
}

function isPortTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function someHaveRun(nodes: NodeLayout[]): boolean {
  return nodes.some((node) => existsSync(join(node.dataDir, 'system')));
}

/** Polls: the port belongs to another process, which announces nothing to us. */
async function waitForPort(host: string, port: number, deadline: number): Promise<void> {
  while (!(await isPortTaken(host, port))) {
    if (Date.now() > deadline)
      throw setupError(`${host}:${port} did not start listening before the start deadline`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Another process on a node's address and port would make the JVM fail late and obscurely. */
async function assertPortsFree(nodes: NodeLayout[]): Promise<void> {
  for (const node of nodes) {
    for (const port of [node.nativePort, node.storagePort]) {
      if (await isPortTaken(node.address, port)) {
        throw setupError(
          `${node.address}:${port} is already in use by a process that is not node ${node.number} of this cluster` +
            ` (no live pid in ${node.pidFile}). If it is a Cassandra you want to use, point Sluice at it:` +
            ` set CASSANDRA_CONTACT_POINTS or pass -h ${node.address}:${node.nativePort}.` +
            " To run a cluster of Sluice's own beside it: sluice cassandra start --first-node <n>",
        );
      }
    }
  }
}

async function writeNodeConfig(
  layout: ClusterLayout,
  node: NodeLayout,
  meta: ClusterMeta,
  material: TlsMaterial | undefined,
): Promise<void> {
  await Promise.all(
    [node.confDir, node.dataDir, node.logDir].map((d) => mkdir(d, { recursive: true })),
  );
  const yaml = `${node.confDir}/cassandra.yaml`;
  const tls =
    meta.tls === undefined || meta.tls === 'off' || material === undefined
      ? undefined
      : { mode: meta.tls, material };
  await writeFile(
    yaml,
    renderCassandraYaml(layout, node, { isAuthEnabled: meta.isAuthEnabled, tls }),
    {
      mode: 0o600,
    },
  );
  // It may hold the keystore password; a file written before keeps its old mode otherwise.
  await chmod(yaml, 0o600);
  await writeFile(`${node.confDir}/logback.xml`, renderLogbackXml(node));
}

/**
 * Starts one JVM detached in its own process group, so it outlives us and a Ctrl-C in the
 * terminal that started it does not reach it; `exited` rejects if it dies before we return.
 */
interface Launched {
  node: NodeLayout;
  pid: number;
  /** Rejects when the JVM exits (until `forget`); never resolves. */
  exited: Promise<never>;
  /** Stop watching: from now on the node's exit is `stop`'s business, not an error. */
  forget(): void;
}

async function launch(java: string, args: string[], node: NodeLayout): Promise<Launched> {
  const console = openSync(node.consoleLog, 'a');
  try {
    const child = spawn(java, args, {
      cwd: node.dir,
      detached: true,
      stdio: ['ignore', console, console],
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        void lastLines(node.systemLog, node.consoleLog).then((tail) =>
          reject(
            setupError(
              `node ${node.number} (${node.address}, pid ${child.pid}) exited with ${signal ?? `code ${code}`} while starting; see ${node.logDir}:\n${tail}`,
            ),
          ),
        );
      });
      child.once('error', (cause) =>
        reject(setupError(`cannot run ${java} for node ${node.number}`, { cause })),
      );
    });
    exited.catch(() => {});
    if (child.pid === undefined) await exited;
    child.unref();
    await writeFile(node.pidFile, `${child.pid}\n`);
    return {
      node,
      pid: child.pid!,
      exited,
      forget: () => {
        child.removeAllListeners('exit');
      },
    };
  } finally {
    closeSync(console);
  }
}

/** The last error lines (or else the last lines) of each file, reading only its last 64 KiB. */
async function lastLines(...files: string[]): Promise<string> {
  const tails: string[] = [];
  for (const file of files) {
    try {
      const handle = await open(file, 'r');
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, 64 * 1024);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, size - length);
        const lines = buffer.toString('utf8').trimEnd().split('\n');
        const errors = lines.filter((line) => /ERROR|Exception|Error:/.test(line)).slice(-5);
        tails.push(...(errors.length > 0 ? errors : lines.slice(-5)));
      } finally {
        await handle.close();
      }
    } catch {
      // Not written yet.
    }
  }
  return tails.join('\n');
}
