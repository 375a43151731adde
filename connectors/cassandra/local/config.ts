/**
 * The cassandra.yaml and logback.xml of one local node, and the JVM command line that runs it.
 *
 * The cassandra-all jar ships no conf/, so everything a distribution's bin/cassandra and
 * conf/jvm17-server.options would supply is here. Setting names are Cassandra 5.0's (with units:
 * `commitlog_sync_period: 10000ms`, not the 3.x `commitlog_sync_period_in_ms`).
 */
import type { ClusterLayout, NodeLayout } from './layout.ts';
import type { TlsMaterial, TlsMode } from './tls.ts';

export interface NodeConfigOptions {
  /** PasswordAuthenticator + CassandraAuthorizer; the superuser is cassandra/cassandra. */
  isAuthEnabled: boolean;
  /** Client encryption on the CQL port, with the keystore it serves; absent: plain only. */
  tls?: { mode: Exclude<TlsMode, 'off'>; material: TlsMaterial } | undefined;
}

/**
 * `optional` lets one port serve both: Cassandra looks at a connection's first bytes to tell a
 * TLS handshake from a plain CQL frame. Clients are not asked for certificates of their own.
 */
function clientEncryption(tls: NodeConfigOptions['tls']): string[] {
  if (tls === undefined) return [];
  return [
    'client_encryption_options:',
    '  enabled: true',
    `  optional: ${tls.mode === 'optional'}`,
    `  keystore: ${tls.material.keystoreFile}`,
    // The file holding this yaml is readable by its owner only (see cluster.ts).
    `  keystore_password: "${tls.material.keystorePassword.reveal()}"`,
    '  store_type: PKCS12',
    '  require_client_auth: false',
  ];
}

export function renderCassandraYaml(
  cluster: ClusterLayout,
  node: NodeLayout,
  options: NodeConfigOptions,
): string {
  const auth = options.isAuthEnabled
    ? ['authenticator: PasswordAuthenticator', 'authorizer: CassandraAuthorizer']
    : ['authenticator: AllowAllAuthenticator', 'authorizer: AllowAllAuthorizer'];
  return `${[
    `cluster_name: '${cluster.name}'`,
    'num_tokens: 1',
    `initial_token: '${node.token}'`,
    // A fresh cluster has no data to stream, so nodes join with their tokens at once and can
    // start in parallel instead of bootstrapping one after another.
    'auto_bootstrap: false',
    'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
    'endpoint_snitch: SimpleSnitch',
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: "${cluster.seed.address}:${cluster.seed.storagePort}"`,
    `listen_address: ${node.address}`,
    `rpc_address: ${node.address}`,
    `storage_port: ${node.storagePort}`,
    `native_transport_port: ${node.nativePort}`,
    'start_native_transport: true',
    // Every directory lives under the node's folder, so removing the cluster dir removes it all.
    'data_file_directories:',
    `  - ${node.dataDir}/data`,
    `local_system_data_file_directory: ${node.dataDir}/system`,
    `commitlog_directory: ${node.dataDir}/commitlog`,
    `saved_caches_directory: ${node.dataDir}/saved_caches`,
    `hints_directory: ${node.dataDir}/hints`,
    `cdc_raw_directory: ${node.dataDir}/cdc_raw`,
    // Startup fails without an explicit commitlog sync mode.
    'commitlog_sync: periodic',
    'commitlog_sync_period: 10000ms',
    'commitlog_segment_size: 32MiB',
    // Dropping or truncating test tables must not leave snapshots behind on a developer disk.
    'auto_snapshot: false',
    // `die` would exit the JVM on a full disk; `stop` keeps it up so status can tell what happened.
    'disk_failure_policy: stop',
    'commit_failure_policy: stop',
    // A fresh cluster has no older nodes, so 5.0's own formats (BTI, ...) can be used at once.
    'storage_compatibility_mode: NONE',
    ...auth,
    'role_manager: CassandraRoleManager',
    'network_authorizer: AllowAllNetworkAuthorizer',
    // The Amazon Corretto crypto provider is not on the classpath: use the JRE's without a warning.
    'crypto_provider:',
    '  - class_name: org.apache.cassandra.security.JREProvider',
    '    parameters:',
    '      - fail_on_missing_provider: "false"',
    // Small and modest: three nodes share two cores with the code under test.
    'concurrent_reads: 8',
    'concurrent_writes: 16',
    'concurrent_counter_writes: 8',
    'concurrent_compactors: 1',
    'memtable_heap_space: 64MiB',
    'memtable_offheap_space: 64MiB',
    'key_cache_size: 16MiB',
    'file_cache_size: 64MiB',
    'native_transport_max_threads: 32',
    'read_request_timeout: 10000ms',
    'write_request_timeout: 5000ms',
    'range_request_timeout: 20000ms',
    'request_timeout: 20000ms',
    'batch_size_warn_threshold: 64KiB',
    'batch_size_fail_threshold: 1MiB',
    'user_defined_functions_enabled: false',
    'materialized_views_enabled: false',
    'sasi_indexes_enabled: false',
    'dynamic_snitch: false',
    ...clientEncryption(options.tls),
  ].join('\n')}\n`;
}

/** Logs go to files under the node's logs/ folder; nothing is written to the console. */
export function renderLogbackXml(node: NodeLayout): string {
  return `<configuration scan="false" debug="false">
  <jmxConfigurator />
  <appender name="SYSTEMLOG" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>${node.systemLog}</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>${node.logDir}/system.log.%i.zip</fileNamePattern>
      <minIndex>1</minIndex>
      <maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="SYSTEMLOG" />
  </root>
  <logger name="org.apache.cassandra" level="INFO"/>
</configuration>
`;
}

const ADD_EXPORTS = [
  'java.base/jdk.internal.misc',
  'java.management.rmi/com.sun.jmx.remote.internal.rmi',
  'java.rmi/sun.rmi.registry',
  'java.rmi/sun.rmi.server',
  'java.sql/java.sql',
  'java.base/java.lang.ref',
  'jdk.unsupported/sun.misc',
  'jdk.compiler/com.sun.tools.javac.file',
  'jdk.attach/sun.tools.attach',
  'java.management/com.sun.jmx.remote.security',
];

const ADD_OPENS = [
  ...[
    'java.lang.module',
    'jdk.internal.loader',
    'jdk.internal.ref',
    'jdk.internal.reflect',
    'jdk.internal.math',
    'jdk.internal.module',
    'jdk.internal.util.jar',
    'sun.nio.ch',
    'java.io',
    'java.lang.reflect',
    'java.lang',
    'java.util',
    'java.nio',
  ].map((pkg) => `java.base/${pkg}`),
  'jdk.management/com.sun.management.internal',
  'jdk.compiler/com.sun.tools.javac',
];

export const MAIN_CLASS = 'org.apache.cassandra.service.CassandraDaemon';
/** Marks a JVM as a node of one cluster dir, so `stop` never signals a JVM it did not start. */
export const NODE_DIR_PROPERTY = 'sluice.node.dir';

export interface JvmOptions {
  javaMajor: number;
  jars: string[];
  jammJar: string;
  heapMiB?: number;
  /** Nodes in the cluster: a single node can set up its superuser with no delay at all. */
  clusterSize: number;
}

export function jvmArguments(node: NodeLayout, options: JvmOptions): string[] {
  const heap = options.heapMiB ?? 512;
  const modules =
    options.javaMajor >= 17
      ? [
          ...ADD_EXPORTS.flatMap((target) => ['--add-exports', `${target}=ALL-UNNAMED`]),
          ...ADD_OPENS.flatMap((target) => ['--add-opens', `${target}=ALL-UNNAMED`]),
        ]
      : [];
  return [
    `-D${NODE_DIR_PROPERTY}=${node.dir}`,
    '-server',
    `-Xms${heap}m`,
    `-Xmx${heap}m`,
    '-Xss256k',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=300',
    // Two cores are shared by every node and the tests: one GC thread each, and Cassandra sizes
    // its thread pools from available_processors.
    '-XX:ParallelGCThreads=1',
    '-XX:ConcGCThreads=1',
    '-Dcassandra.available_processors=1',
    '-XX:+HeapDumpOnOutOfMemoryError',
    `-XX:HeapDumpPath=${node.dir}`,
    `-XX:ErrorFile=${node.logDir}/hs_err_%p.log`,
    '-XX:+PerfDisableSharedMem',
    '-Djava.net.preferIPv4Stack=true',
    '-Djdk.attach.allowAttachSelf=true',
    '-Dio.netty.tryReflectionSetAccessible=true',
    `-javaagent:${options.jammJar}`,
    ...modules,
    `-Dcassandra.config=file://${node.confDir}/cassandra.yaml`,
    `-Dlogback.configurationFile=file://${node.confDir}/logback.xml`,
    `-Dcassandra.logdir=${node.logDir}`,
    `-Dcassandra.storagedir=${node.dataDir}`,
    `-Dcassandra.jmx.local.port=${node.jmxPort}`,
    // Fast start: no gossip settling and a short ring delay. The ring delay also bounds the
    // shadow round a restarted node runs against the seed, hence 5 s rather than 1 s.
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.ring_delay_ms=5000',
    // The superuser setup task retries after this same delay when it fails, which it does while
    // a peer holding system_auth is down: 0 would spin a core and log ~3000 lines a second.
    `-Dcassandra.superuser_setup_delay_ms=${options.clusterSize === 1 ? 0 : 1000}`,
    '-Dcassandra-foreground=yes',
    '-cp',
    options.jars.join(':'),
    MAIN_CLASS,
  ];
}
