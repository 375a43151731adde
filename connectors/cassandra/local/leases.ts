/**
 * Leases let several processes share one local cluster without stopping it under each other.
 *
 * Two test runs (two engineers, or a watch run and a CI run) may use the same cluster dir: the
 * first starts the nodes, the second reuses them. If the first stopped "the nodes it started" at
 * its end, it would pull the cluster out from under the second. So each user holds a lease (a file
 * named after its pid), the nodes started by leased users are recorded, and they are stopped only
 * when the last live lease is released. Leases of dead processes do not count.
 *
 * A cluster started without a lease (`sluice cassandra start`) is never recorded, so test runs
 * leave it up; start it that way first to keep it. Every function here runs under the cluster
 * lock (lock.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './processes.ts';

const LEASES = 'leases';
const LEASE_STARTED = 'lease-started.json';

/** Takes a lease and records the nodes this user started; returns the lease's name. */
export async function takeLease(dir: string, startedNodes: number[]): Promise<string> {
  await mkdir(join(dir, LEASES), { recursive: true });
  const lease = `${process.pid}-${randomUUID()}`;
  await writeFile(join(dir, LEASES, lease), '');
  if (startedNodes.length > 0) {
    const recorded = await leaseStartedNodes(dir);
    const all = [...new Set([...recorded, ...startedNodes])].sort((a, b) => a - b);
    await writeFile(join(dir, LEASE_STARTED), `${JSON.stringify(all)}\n`);
  }
  return lease;
}

/**
 * Drops a lease; returns the nodes to stop now: those started by leased users, once no live
 * lease remains (and then the record is cleared), else none.
 */
export async function dropLease(dir: string, lease: string): Promise<number[]> {
  await rm(join(dir, LEASES, lease), { force: true });
  if ((await liveLeases(dir)).length > 0) return [];
  const nodes = await leaseStartedNodes(dir);
  await rm(join(dir, LEASE_STARTED), { force: true });
  return nodes;
}

export async function liveLeases(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, LEASES));
  } catch {
    return [];
  }
  const live: string[] = [];
  for (const name of names) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) live.push(name);
    else await rm(join(dir, LEASES, name), { force: true });
  }
  return live;
}

async function leaseStartedNodes(dir: string): Promise<number[]> {
  try {
    return JSON.parse(await readFile(join(dir, LEASE_STARTED), 'utf8')) as number[];
  } catch {
    return [];
  }
}
