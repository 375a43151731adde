/** The node with password authentication that the suite provides for credential tests. */
import cassandra from 'cassandra-driver';
import { describe, expect, inject, it } from 'vitest';
import '../../../setup/cassandra-context.ts';

function connect(username: string, password: string): cassandra.Client {
  const target = inject('cassandraAuth');
  return new cassandra.Client({
    contactPoints: target.contactPoints,
    localDataCenter: target.localDataCenter,
    authProvider: new cassandra.auth.PlainTextAuthProvider(username, password),
  });
}

describe('the password-protected node', () => {
  it('is provided with the default superuser', () => {
    expect(inject('cassandraAuth').credentials).toBeDefined();
  });

  it('accepts the superuser and reports PasswordAuthenticator', async () => {
    const { username, password } = inject('cassandraAuth').credentials!;
    const client = connect(username, password);
    try {
      const row = (
        await client.execute('SELECT value FROM system_views.settings WHERE name = ?', [
          'authenticator',
        ])
      ).first();
      expect(String(row?.value)).toMatch(/PasswordAuthenticator/);
    } finally {
      await client.shutdown();
    }
  });

  it('rejects a wrong password with an authentication error', async () => {
    const client = connect('cassandra', 'not-the-password');
    try {
      const error = await client.connect().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(cassandra.errors.NoHostAvailableError);
      const inner = Object.values((error as cassandra.errors.NoHostAvailableError).innerErrors);
      expect(inner.length).toBeGreaterThan(0);
      for (const cause of inner) expect(cause).toBeInstanceOf(cassandra.errors.AuthenticationError);
    } finally {
      await client.shutdown();
    }
  });
});
