/**
 * One driver client per worker thread and connection target, shared by the sink writers
 * placed on that worker.
 *
 * Each `cassandra.Client` opens a connection pool to every host, reads the schema and token
 * metadata and sends heartbeats. A job usually runs more sink instances than workers (one per
 * host, on a two-core machine), and a client per writer paid all of that once per instance,
 * which showed as seconds of start-up on a loaded machine. Writers never change a client's
 * settings, and each request names its own host and consistency, so sharing is invisible to
 * them. The last writer to let go shuts the client down.
 *
 * Single-threaded: this module's state is per worker (module instances are per thread).
 */

import { createHash } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { connect } from './client.ts';
import type { CassandraConfig } from './config.ts';

interface Entry {
  client: Promise<cassandra.Client>;
  users: number;
}

const clients = new Map<string, Entry>();
let unshared = 0;

/**
 * What makes two configs connect the same way. The password enters only as a digest, so
 * the key holds no secret; TLS options may hold key material that does not compare well,
 * so a TLS config never shares.
 */
function connectionKey(config: CassandraConfig): string {
  if (config.tls !== false) return `unshared:${unshared++}`;
  const password = config.password?.reveal();
  return JSON.stringify([
    config.contactPoints.map((p) => `${p.host}:${p.port}`),
    config.localDataCenter,
    config.username ?? null,
    password === undefined ? null : createHash('sha256').update(password).digest('base64'),
    config.consistency,
    config.connectTimeoutMs,
    config.requestTimeoutMs,
  ]);
}

export interface ClientLease {
  client: cassandra.Client;
  /** Gives the client back; idempotent. The last lease shuts it down. */
  release(): Promise<void>;
}

/** The worker's client for `config`, connecting it if no writer here holds one yet. */
export async function leaseClient(config: CassandraConfig): Promise<ClientLease> {
  const key = connectionKey(config);
  let entry = clients.get(key);
  if (entry === undefined) {
    const created: Entry = { client: connect(config), users: 0 };
    // A failed connection is not cached: the next writer tries again.
    created.client.catch(() => {
      if (clients.get(key) === created) clients.delete(key);
    });
    clients.set(key, created);
    entry = created;
  }
  const held = entry;
  held.users++;
  let client: cassandra.Client;
  try {
    client = await held.client;
  } catch (error) {
    held.users--;
    throw error;
  }
  let isReleased = false;
  return {
    client,
    async release() {
      if (isReleased) return;
      isReleased = true;
      if (--held.users > 0) return;
      // Forget it before the shutdown completes, so a writer arriving now connects anew.
      if (clients.get(key) === held) clients.delete(key);
      await client.shutdown();
    },
  };
}
