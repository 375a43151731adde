/**
 * What a failed connection means when TLS is involved, in words a user can act on. Node's TLS
 * errors carry a stable `code` (OpenSSL's verification result), so the reason is read from the
 * code, never from the message text. The CA is named by its subject: the options hold its PEM
 * text, not the file it came from.
 */
import { X509Certificate } from 'node:crypto';
import type { ConnectionOptions as TlsOptions } from 'node:tls';

/** The node's certificate chain does not lead to a CA the client trusts. */
const UNTRUSTED_ISSUER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/**
 * A sentence for one host's connection error, or undefined when TLS has nothing to do with it.
 * `tls` is what the client connected with: false for plain.
 */
export function describeTlsFailure(error: unknown, tls: false | TlsOptions): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  const said = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
  if (tls === false) {
    // A node that requires TLS reads a plain CQL frame as a broken handshake and hangs up.
    if (code === 'ECONNRESET') {
      return `${said}: the node closed the connection at once; if it requires TLS, connect with TLS and its CA (--tls-ca, or the tls option's ca)`;
    }
    return undefined;
  }
  if (typeof code !== 'string') return undefined;
  if (UNTRUSTED_ISSUER.has(code)) {
    const trusted =
      tls.ca === undefined
        ? "by any CA this machine trusts by default: give the CA that signed the nodes (--tls-ca, or the tls option's ca)"
        : `by the CA trusted here (${describeCa(tls.ca)})`;
    return `TLS: the node's certificate is not signed ${trusted} [${code}: ${said}]`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the node's certificate does not name the address connected to [${said}]`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return `TLS: the node does not speak TLS on this port: connect without TLS, or enable client encryption on the node [${code}]`;
  }
  if (code.startsWith('CERT_') || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `TLS: ${said} [${code}]`;
  }
  return undefined;
}

/** The subject of the first certificate given as CA, e.g. `CN=sluice local CA …`. */
export function describeCa(ca: NonNullable<TlsOptions['ca']>): string {
  const first = Array.isArray(ca) ? ca[0] : ca;
  try {
    return new X509Certificate(first as string | Buffer).subject.replaceAll('\n', ', ');
  } catch {
    return 'a CA that is not a readable PEM certificate';
  }
}
