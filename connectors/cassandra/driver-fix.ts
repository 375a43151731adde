/**
 * A fix to cassandra-driver 4.x's connection, applied once per thread by `fixEarlyClose()`.
 *
 * The fault: a host accepts the TCP connection, then closes it before it answers STARTUP (a
 * port forwarded to nothing, a proxy or load balancer with no backend). The driver marks the
 * socket closed and calls `close()`, which returns at once because the connection was never
 * ready and its socket is already marked closed. Nothing fails the STARTUP request, so the
 * connect waits for the read timeout (12 s); and the heartbeat timer armed when STARTUP was
 * written is never cleared. That timer keeps the process alive for two heartbeat intervals
 * (60 s) after the connect has failed and the client has been shut down: `sluice load` with
 * such a host printed its error, then hung.
 *
 * The fix: a `close()` that finds nothing open still does the driver's own clean-up
 * (`clearAndInvokePending`): the pending requests fail with "Socket was closed" at once, and
 * the heartbeat timer is cleared. A connection that was open closes as before.
 */

import { createRequire } from 'node:module';

/** The members of the driver's (internal) `Connection` this fix touches. */
interface DriverConnection {
  connected: boolean;
  isSocketOpen: boolean;
  close(callback?: () => void): void;
  clearAndInvokePending(innerError?: unknown): void;
}

let isApplied = false;

/** Idempotent; a driver without these members (a later version that changed them) is left as it is. */
export function fixEarlyClose(): void {
  if (isApplied) return;
  isApplied = true;
  const Connection = createRequire(import.meta.url)('cassandra-driver/lib/connection.js') as {
    prototype: DriverConnection;
  };
  const proto = Connection.prototype;
  if (typeof proto.close !== 'function' || typeof proto.clearAndInvokePending !== 'function') {
    return;
  }
  const close = proto.close;
  proto.close = function closeEvenIfNeverReady(this: DriverConnection, callback) {
    // The early return in close() skips clearing when both are false: do it here.
    if (!this.connected && !this.isSocketOpen) this.clearAndInvokePending();
    close.call(this, callback);
  };
}
