/**
 * `sluice cassandra start|stop|status`: a real local Cassandra cluster for development and CI.
 * Progress goes to stderr; stdout carries only the result (contact points, status), for scripts.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  type ClusterStatus,
  clusterStatus,
  DEFAULT_CLUSTER_DIR,
  ensureLocalCluster,
  stopLocalCluster,
  TLS_MODES,
  type TlsMode,
} from '../connectors/cassandra/local/index.ts';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return parsed;
}

/** A bare `--tls` asks for what a production cluster does: TLS only. */
function tlsMode(value: string | true): TlsMode {
  if (value === true) return 'required';
  if (!(TLS_MODES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${TLS_MODES.join(', ')}, got "${value}"`);
  }
  return value as TlsMode;
}

export function formatStatus(status: ClusterStatus): string {
  if (!status.exists) return `no cluster in ${status.dir}\n`;
  const tls =
    status.tlsCaFile === undefined ? status.tls : `${status.tls} (CA ${status.tlsCaFile})`;
  const header = `cluster ${status.dir}: ${status.nodes.length} node(s), auth ${status.isAuthEnabled ? 'on' : 'off'}, TLS ${tls}`;
  const rows = status.nodes.map((node) =>
    [
      `node${node.number}`.padEnd(7),
      node.address.padEnd(15),
      `pid ${node.pid ?? '-'}`.padEnd(12),
      (node.isUp ? 'UP' : 'DOWN').padEnd(5),
      node.isUp ? `sees UP: ${node.peersUp.join(', ') || '(no peers)'}` : '',
    ]
      .join(' ')
      .trimEnd(),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

export function cassandraCommand(): Command {
  const command = new Command('cassandra').description(
    'run a local Apache Cassandra cluster (one JVM per node on 127.0.0.N) for development and tests',
  );

  command
    .command('start')
    .description('start the cluster, or reuse it if it runs; returns when every node is ready')
    .option('--nodes <n>', 'number of nodes', positiveInteger, 3)
    .option('--dir <dir>', 'cluster folder (data, logs, pid files)', DEFAULT_CLUSTER_DIR)
    .option('--first-node <n>', 'the first node listens on 127.0.0.<n>', positiveInteger, 1)
    .option('--auth', 'enable password authentication (superuser cassandra/cassandra)', false)
    .option('--heap <MiB>', 'JVM heap per node', positiveInteger, 512)
    .option(
      '--tls [mode]',
      'encrypt client connections with a CA made under --dir: required (the default: TLS only), ' +
        'optional (plain clients too), off; prints the CA file to pass as --tls-ca',
      tlsMode,
    )
    .action(
      async (options: {
        nodes: number;
        dir: string;
        firstNode: number;
        auth: boolean;
        heap: number;
        tls?: TlsMode | true;
      }) => {
        const started = Date.now();
        const cluster = await ensureLocalCluster({
          nodes: options.nodes,
          dir: options.dir,
          firstNode: options.firstNode,
          isAuthEnabled: options.auth,
          heapMiB: options.heap,
          ...(options.tls === undefined ? {} : { tls: tlsMode(options.tls) }),
        });
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        process.stderr.write(
          `[sluice cassandra] ${cluster.startedNodes.length === 0 ? 'reused' : 'started'} in ${seconds} s; stop with: sluice cassandra stop --dir ${options.dir}\n`,
        );
        process.stdout.write(`${cluster.contactPoints.join(',')}\n`);
      },
    );

  command
    .command('stop')
    .description('stop the nodes this dir started (pid files); nothing else is signalled')
    .option('--dir <dir>', 'cluster folder', DEFAULT_CLUSTER_DIR)
    .action(async (options: { dir: string }) => {
      const results = await stopLocalCluster(options.dir);
      const stopped = results.filter((result) => result.pid !== undefined);
      for (const result of stopped) {
        process.stderr.write(
          `[sluice cassandra] node${result.node} (pid ${result.pid}) stopped by ${result.signal}\n`,
        );
      }
      if (stopped.length === 0)
        process.stderr.write(`[sluice cassandra] nothing running in ${options.dir}\n`);
    });

  command
    .command('status')
    .description(
      'per node: pid, address, UP/DOWN and the peers it sees UP; exits 1 unless all are UP',
    )
    .option('--dir <dir>', 'cluster folder', DEFAULT_CLUSTER_DIR)
    .option('--json', 'print one JSON object', false)
    .action(async (options: { dir: string; json: boolean }) => {
      const status = await clusterStatus(options.dir);
      process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
      const isAllUp = status.exists && status.nodes.every((node) => node.isUp);
      if (!isAllUp) process.exitCode = 1;
    });

  return command;
}
