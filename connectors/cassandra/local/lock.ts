/**
 * One `ensureLocalCluster` at a time per cluster dir, across processes: a CLI `start` and a test
 * suite's global setup racing on the same dir would otherwise launch two JVMs per node.
 * The lock is a file created exclusively; a lock left by a dead process is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './processes.ts';
import { setupError } from './toolchain.ts';

const POLL_MS = 250;

export async function withClusterLock<T>(
  dir: string,
  deadline: number,
  work: () => Promise<T>,
): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lockFile = join(dir, '.lock');
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
      // Its owner died (or is mid-write; then the retry loses the race to it and waits).
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw setupError(
        `${lockFile} is held by process ${owner}, which is still starting this cluster`,
      );
    }
    // Another process holds the lock: there is no cross-process event to await.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}
