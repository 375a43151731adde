/**
 * The client encryption section of a local node's cassandra.yaml: present only with TLS, with
 * `optional` telling Cassandra whether plain clients may share the port.
 */
import { describe, expect, it } from 'vitest';
import { renderCassandraYaml } from '../../../../connectors/cassandra/local/config.ts';
import { clusterLayout } from '../../../../connectors/cassandra/local/layout.ts';
import { Secret } from '../../../../connectors/cassandra/secret.ts';

const layout = clusterLayout('/c', 1, 5);
const node = layout.nodes[0]!;
const material = {
  caFile: '/c/tls/ca.pem',
  keystoreFile: '/c/tls/node.p12',
  keystorePassword: new Secret('s3cret-Pw_0'),
};

function encryption(yaml: string): string[] {
  const lines = yaml.split('\n');
  const start = lines.indexOf('client_encryption_options:');
  if (start === -1) return [];
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('  '));
  return lines.slice(start, end === -1 ? undefined : end);
}

describe('renderCassandraYaml: client encryption', () => {
  it('has none without TLS', () => {
    expect(encryption(renderCassandraYaml(layout, node, { isAuthEnabled: false }))).toEqual([]);
  });

  it('requires TLS on the CQL port in required mode, serving the PKCS12 keystore', () => {
    const yaml = renderCassandraYaml(layout, node, {
      isAuthEnabled: false,
      tls: { mode: 'required', material },
    });
    expect(encryption(yaml)).toEqual([
      'client_encryption_options:',
      '  enabled: true',
      '  optional: false',
      '  keystore: /c/tls/node.p12',
      '  keystore_password: "s3cret-Pw_0"',
      '  store_type: PKCS12',
      '  require_client_auth: false',
    ]);
  });

  it('lets plain clients share the port in optional mode', () => {
    const yaml = renderCassandraYaml(layout, node, {
      isAuthEnabled: true,
      tls: { mode: 'optional', material },
    });
    expect(encryption(yaml)).toContain('  optional: true');
  });
});
