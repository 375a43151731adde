/**
 * A local cluster that one test file starts for itself and stops at its end: for tests that must
 * own their nodes (the fault tests pause and kill them), and for the launcher's own tests when
 * the suite runs against a cluster of yours (CASSANDRA_CONTACT_POINTS).
 *
 * It listens on 127.0.0.11-13, where no user cluster sits: a cluster of yours is usually on
 * 127.0.0.1-3 and the suite's password-protected node is on 127.0.0.4. The files of the
 * `cassandra` project run one at a time and each stops the cluster before the next one starts
 * it, so they can share it. Two test runs at once (two engineers, a watch run) would pause and
 * kill nodes under each other, so a file holds a claim on the cluster from start to stop, and a
 * second run waits for it.
 *
 * Stopping removes the nodes' data too (their logs stay): the next start is then a fresh one,
 * which launches every node at once instead of the seed first.
 */

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ensureLocalCluster,
  type LocalCluster,
  stopLocalCluster,
} from '../../../connectors/cassandra/local/index.ts';
import { type ClusterLayout, clusterLayout } from '../../../connectors/cassandra/local/layout.ts';
import { withClusterLock } from '../../../connectors/cassandra/local/lock.ts';

export const PRIVATE_CLUSTER = {
  dir: '.sluice/cassandra-private',
  nodes: 3,
  firstNode: 11,
} as const;

/** How long a second test run waits for the first to give the cluster back. */
const CLAIM_TIMEOUT_MS = 10 * 60_000;

const quiet = (): void => {};

export interface PrivateCluster {
  /** As of the last start: `ensureReady` renews it. */
  cluster: LocalCluster;
  layout: ClusterLayout;
  /**
   * Starts the nodes that are not running (one a test stopped), and returns once every node
   * serves CQL and sees the others UP; rejects after `timeoutMs`.
   */
  ensureReady(timeoutMs?: number): Promise<LocalCluster>;
  /** Stops every node, removes their data, and gives up the claim. */
  stop(): Promise<void>;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const layout = clusterLayout(
    PRIVATE_CLUSTER.dir,
    PRIVATE_CLUSTER.nodes,
    PRIVATE_CLUSTER.firstNode,
  );
  const release = await claim(join(layout.dir, 'claim'));
  const ensure = (timeoutMs?: number) =>
    ensureLocalCluster({ ...PRIVATE_CLUSTER, onProgress: quiet, timeoutMs });
  try {
    const own: PrivateCluster = {
      cluster: await ensure(),
      layout,
      async ensureReady(timeoutMs) {
        // Restarted nodes have new pids.
        own.cluster = await ensure(timeoutMs);
        return own.cluster;
      },
      async stop() {
        try {
          await stopLocalCluster(layout.dir);
          await Promise.all(
            layout.nodes.map((node) => rm(node.dataDir, { recursive: true, force: true })),
          );
        } finally {
          await release();
        }
      },
    };
    return own;
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * Holds the lock of `dir` (lock.ts, the launcher's cross-process lock, here on a file of its
 * own) until the returned function is called.
 */
async function claim(dir: string): Promise<() => Promise<void>> {
  let give!: () => void;
  const given = new Promise<void>((resolve) => (give = resolve));
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  const lock = withClusterLock(dir, Date.now() + CLAIM_TIMEOUT_MS, () => {
    onHeld();
    return given;
  });
  // The lock rejects if another run keeps the cluster past the timeout.
  await Promise.race([held, lock]);
  return async () => {
    give();
    await lock;
  };
}
