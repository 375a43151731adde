/**
 * Writers on one worker share a driver client per connection target: the second lease gets
 * the first one's client, the last release shuts it down, and a different target (or a
 * failed connection) is never shared.
 */

import { describe, expect, it } from 'vitest';
import { type CassandraOptions, resolveConfig } from '../../../connectors/cassandra/config.ts';
import { leaseClient } from '../../../connectors/cassandra/shared-client.ts';
import { target } from './cluster.ts';

/** The driver's own flag, set by `shutdown()` (not in its type declarations). */
function isShutDown(client: unknown): boolean {
  return (client as { isShuttingDown: boolean }).isShuttingDown;
}

function config(extra: Partial<CassandraOptions> = {}) {
  const { contactPoints, localDataCenter, credentials } = target();
  return resolveConfig({
    contactPoints,
    localDataCenter,
    ...(credentials ?? {}),
    keyspace: 'system',
    table: 'local',
    ...extra,
  });
}

describe('shared driver client', () => {
  it('gives one client to every lease of a target, and shuts it down after the last release', async () => {
    const [a, b] = await Promise.all([leaseClient(config()), leaseClient(config())]);
    expect(b.client).toBe(a.client);
    const other = await leaseClient(config({ consistency: 'ONE' }));
    expect(other.client).not.toBe(a.client);

    await a.release();
    await a.release(); // idempotent: must not take b's share
    expect(isShutDown(b.client)).toBe(false);
    const rows = await b.client.execute('SELECT release_version FROM system.local');
    expect(rows.rowLength).toBe(1);
    await b.release();
    expect(isShutDown(b.client)).toBe(true);

    const again = await leaseClient(config());
    expect(again.client).not.toBe(a.client);
    await again.release();
    await other.release();
    expect(isShutDown(other.client)).toBe(true);
  });

  it('does not keep a failed connection: the next lease tries again', async () => {
    const unreachable = resolveConfig({
      contactPoints: '127.0.0.1:1',
      keyspace: 'system',
      table: 'local',
      connectTimeoutMs: 500,
    });
    await expect(leaseClient(unreachable)).rejects.toThrow(
      /cannot connect to Cassandra at 127\.0\.0\.1:1/,
    );
    await expect(leaseClient(unreachable)).rejects.toThrow(/cannot connect/);
  });
});
