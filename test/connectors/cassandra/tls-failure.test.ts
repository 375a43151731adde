/**
 * What a failed connection says when TLS is involved: the reason comes from Node's error code,
 * and the CA is named by its subject.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCa, describeTlsFailure } from '../../../connectors/cassandra/tls-failure.ts';

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A self-signed CA certificate, made once with keytool. */
const CA = readFileSync(new URL('../../fixtures/tls/other-ca.pem', import.meta.url), 'utf8');

describe('describeTlsFailure', () => {
  it('names the trusted CA when the node’s certificate is not signed by it', () => {
    const said = describeTlsFailure(
      failure('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      { ca: CA },
    );
    expect(said).toBe(
      "TLS: the node's certificate is not signed by the CA trusted here (CN=sluice test CA that signed no node)" +
        ' [SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain]',
    );
  });

  it('asks for the CA when none was given', () => {
    const said = describeTlsFailure(
      failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
      {},
    );
    expect(said).toContain('not signed by any CA this machine trusts by default');
    expect(said).toContain('--tls-ca');
  });

  it('says a node that answers TLS with plain CQL does not speak TLS', () => {
    const said = describeTlsFailure(failure('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version'), {});
    expect(said).toContain('the node does not speak TLS on this port');
  });

  it('suggests TLS when a plain connection is reset at once', () => {
    const said = describeTlsFailure(failure('ECONNRESET', 'read ECONNRESET'), false);
    expect(said).toContain('if it requires TLS');
  });

  it('leaves errors that have nothing to do with TLS alone', () => {
    expect(describeTlsFailure(failure('ECONNREFUSED', 'connect ECONNREFUSED'), false)).toBe(
      undefined,
    );
    expect(describeTlsFailure(failure('ECONNREFUSED', 'connect ECONNREFUSED'), {})).toBe(undefined);
  });

  it('describes a CA that is not a certificate without echoing it', () => {
    expect(describeCa('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toBe(
      'a CA that is not a readable PEM certificate',
    );
  });
});
