import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jvmArguments,
  renderCassandraYaml,
} from '../../../../connectors/cassandra/local/config.ts';
import { clusterLayout, evenTokens } from '../../../../connectors/cassandra/local/layout.ts';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

describe('evenTokens', () => {
  it('gives the well-known tokens of a 3-node ring', () => {
    expect(evenTokens(3)).toEqual([
      '-9223372036854775808',
      '-3074457345618258603',
      '3074457345618258602',
    ]);
  });

  it('splits the ring evenly for any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 254 }), (count) => {
        const tokens = evenTokens(count).map(BigInt);
        expect(tokens).toHaveLength(count);
        expect(tokens[0]).toBe(MIN);
        const ideal = 2n ** 64n / BigInt(count);
        for (let i = 1; i < count; i++) {
          const gap = tokens[i]! - tokens[i - 1]!;
          // Integer division: every gap is the ideal one or one more.
          expect(gap === ideal || gap === ideal + 1n).toBe(true);
        }
        expect(tokens[count - 1]! <= MAX).toBe(true);
        const lastGap = MAX - tokens[count - 1]! + 1n;
        expect(lastGap >= ideal && lastGap <= ideal + 1n).toBe(true);
      }),
      { seed: 20261121, numRuns: 200 },
    );
  });

  it('rejects an empty cluster', () => {
    expect(() => evenTokens(0)).toThrow(/at least 1 node, got 0/);
  });
});

describe('clusterLayout', () => {
  it('puts node N on 127.0.0.N with JMX on 7000 + 100 N and its folders under the dir', () => {
    const layout = clusterLayout('/tmp/c', 3);
    expect(layout.nodes.map((n) => [n.address, n.nativePort, n.storagePort, n.jmxPort])).toEqual([
      ['127.0.0.1', 9042, 7000, 7100],
      ['127.0.0.2', 9042, 7000, 7200],
      ['127.0.0.3', 9042, 7000, 7300],
    ]);
    expect(layout.seed.address).toBe('127.0.0.1');
    for (const node of layout.nodes) {
      for (const path of [node.dataDir, node.logDir, node.confDir, node.pidFile]) {
        expect(path.startsWith(`/tmp/c/node${node.number}/`)).toBe(true);
      }
    }
  });

  it('shifts addresses and names the cluster apart with firstNode', () => {
    const auth = clusterLayout('/tmp/a', 1, 4);
    expect(auth.seed.address).toBe('127.0.0.4');
    expect(auth.seed.jmxPort).toBe(7400);
    expect(auth.name).not.toBe(clusterLayout('/tmp/c', 3).name);
  });

  it('refuses addresses past 127.0.0.254', () => {
    expect(() => clusterLayout('/tmp/c', 3, 253)).toThrow(/253\.\.255 fall outside 1\.\.254/);
  });
});

describe('cassandra.yaml', () => {
  const layout = clusterLayout('/tmp/c', 3);
  const yaml = renderCassandraYaml(layout, layout.nodes[1]!, { isAuthEnabled: false });

  it('has the settings a node cannot start without, with 5.0 names', () => {
    for (const line of [
      'commitlog_sync: periodic',
      'commitlog_sync_period: 10000ms',
      'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
      'endpoint_snitch: SimpleSnitch',
      '      - seeds: "127.0.0.1:7000"',
      'listen_address: 127.0.0.2',
      'rpc_address: 127.0.0.2',
      'native_transport_port: 9042',
      'storage_port: 7000',
      "initial_token: '-3074457345618258603'",
      'num_tokens: 1',
      'auto_snapshot: false',
      'auto_bootstrap: false',
      'authenticator: AllowAllAuthenticator',
    ]) {
      expect(yaml.split('\n')).toContain(line);
    }
  });

  it('keeps every directory under the node folder', () => {
    const dirs = yaml
      .split('\n')
      .filter((line) => /_director(y|ies):/.test(line) || line.startsWith('  - /'))
      .map((line) => line.replace(/^.*?(\/)/, '/'))
      .filter((value) => value.startsWith('/'));
    expect(dirs.length).toBeGreaterThanOrEqual(6);
    for (const dir of dirs) expect(dir.startsWith('/tmp/c/node2/')).toBe(true);
  });

  it('switches on password authentication', () => {
    const secured = renderCassandraYaml(layout, layout.nodes[0]!, { isAuthEnabled: true });
    expect(secured).toContain('authenticator: PasswordAuthenticator');
    expect(secured).toContain('authorizer: CassandraAuthorizer');
  });
});

describe('jvmArguments', () => {
  const node = clusterLayout('/tmp/c', 3).nodes[2]!;
  const args = jvmArguments(node, {
    javaMajor: 17,
    jars: ['/m2/a.jar', '/m2/jamm-0.4.0.jar'],
    jammJar: '/m2/jamm-0.4.0.jar',
    clusterSize: 3,
  });

  it('ends with the classpath and the main class', () => {
    expect(args.slice(-3)).toEqual([
      '-cp',
      '/m2/a.jar:/m2/jamm-0.4.0.jar',
      'org.apache.cassandra.service.CassandraDaemon',
    ]);
  });

  it('carries the node marker, the agent, the single-core flags and the JMX port', () => {
    for (const arg of [
      '-Dsluice.node.dir=/tmp/c/node3',
      '-javaagent:/m2/jamm-0.4.0.jar',
      '-XX:ParallelGCThreads=1',
      '-XX:ConcGCThreads=1',
      '-Dcassandra.available_processors=1',
      '-Dcassandra.jmx.local.port=7300',
      '-Dcassandra.config=file:///tmp/c/node3/conf/cassandra.yaml',
    ]) {
      expect(args).toContain(arg);
    }
    expect(args).toContain('java.base/sun.nio.ch=ALL-UNNAMED');
  });

  it('sets the superuser up at once only on a single node', () => {
    expect(args).toContain('-Dcassandra.superuser_setup_delay_ms=1000');
    const single = jvmArguments(node, { javaMajor: 11, jars: [], jammJar: 'j', clusterSize: 1 });
    expect(single).toContain('-Dcassandra.superuser_setup_delay_ms=0');
    // JDK 11 has no strong encapsulation to open up.
    expect(single).not.toContain('--add-opens');
  });
});
