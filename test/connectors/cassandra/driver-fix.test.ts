/**
 * The fix to the driver's connection (connectors/cassandra/driver-fix.ts): a host that accepts
 * the connection and hangs up before answering fails the connect at once, with that reason,
 * instead of after the read timeout (with a heartbeat timer left behind).
 */

import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../../connectors/cassandra/client.ts';
import { resolveConnection } from '../../../connectors/cassandra/config.ts';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});

afterAll(() => {
  server.close();
});

it('a host that hangs up fails the connect with that reason, not a read timeout', async () => {
  const config = resolveConnection({
    contactPoints: [`127.0.0.1:${port}`],
    localDataCenter: 'datacenter1',
    // Longer than the test may run: only the fix can make the connect fail in time.
    requestTimeoutMs: 120_000,
  });
  await expect(connect(config)).rejects.toThrow(
    `cannot connect to Cassandra at 127.0.0.1:${port} (data center datacenter1): 127.0.0.1:${port}: ` +
      'DriverError: Socket was closed (the host closed the connection before it answered',
  );
});
