import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../connectors/cassandra/config.ts';
import { Secret } from '../../../connectors/cassandra/secret.ts';
import { cassandra } from '../../../connectors/cassandra/sink.ts';
import { ConfigError } from '../../../runtime/errors.ts';

const PASSWORD = 'p@ss:w/rd%s3cr3t';
const URL_PASSWORD = encodeURIComponent(PASSWORD);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('cassandra config', () => {
  it('parses a URL with several hosts, percent-encoded credentials and parameters', () => {
    const config = resolveConfig({
      url: `cassandra://us%40er:${URL_PASSWORD}@host1:9043,host2,[::1]:9044/ks1?dc=dc1&consistency=ONE&tls=true&table=t1`,
    });
    expect(config.contactPoints).toEqual([
      { host: 'host1', port: 9043 },
      { host: 'host2', port: 9042 },
      { host: '::1', port: 9044 },
    ]);
    expect(config.username).toBe('us@er');
    expect(config.password?.reveal()).toBe(PASSWORD);
    expect(config.keyspace).toBe('ks1');
    expect(config.table).toBe('t1');
    expect(config.localDataCenter).toBe('dc1');
    expect(config.consistency).toBe('ONE');
    expect(config.tls === false ? undefined : config.tls.reveal()).toEqual({});
  });

  it('takes the table from the URL path, and lets explicit options override the URL', () => {
    const config = resolveConfig({
      url: 'cassandra://h1/ks/t',
      keyspace: 'other',
      consistency: 'ALL',
      contactPoints: ['a:1', 'b'],
      port: 9999,
    });
    expect(config.keyspace).toBe('other');
    expect(config.table).toBe('t');
    expect(config.consistency).toBe('ALL');
    expect(config.contactPoints).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 9999 },
    ]);
  });

  it('has defaults a bulk load can rely on', () => {
    const config = resolveConfig({ contactPoints: '127.0.0.1', keyspace: 'ks', table: 't' });
    expect(config.consistency).toBe('LOCAL_QUORUM');
    expect(config.localDataCenter).toBe('datacenter1');
    expect(config.maxErrors).toEqual({ kind: 'count', limit: 100 });
    expect(config.batch.maxBytes).toBeLessThanOrEqual(5 * 1024);
    expect(config.badFile).toBe('.sluice/bad/ks.t.jsonl');
    expect(config.window.initial).toBeGreaterThanOrEqual(config.window.min);
    // Single-row partitions would otherwise go one row per request (see bench/README.md).
    expect(config.batch.groupBy).toBe('replicaSet');
  });

  it.each([
    [{ maxErrors: '5%' }, { kind: 'ratio', ratio: 0.05 }],
    [{ maxErrors: '0.5%' }, { kind: 'ratio', ratio: 0.005 }],
    [{ maxErrors: 0 }, { kind: 'count', limit: 0 }],
  ])('reads maxErrors %o', (option, expected) => {
    const config = resolveConfig({ contactPoints: 'h', keyspace: 'k', table: 't', ...option });
    expect(config.maxErrors.kind).toBe(expected.kind);
    if (expected.kind === 'ratio' && config.maxErrors.kind === 'ratio') {
      expect(config.maxErrors.ratio).toBeCloseTo((expected as { ratio: number }).ratio, 10);
    } else {
      expect(config.maxErrors).toEqual(expected);
    }
  });

  it.each([
    ['keyspace', { contactPoints: 'h', table: 't' }],
    ['table', { contactPoints: 'h', keyspace: 'k' }],
    ['contactPoints', { keyspace: 'k', table: 't' }],
    ['consistency', { contactPoints: 'h', keyspace: 'k', table: 't', consistency: 'MOST' }],
    ['maxErrors', { contactPoints: 'h', keyspace: 'k', table: 't', maxErrors: 'five' }],
    ['maxErrors', { contactPoints: 'h', keyspace: 'k', table: 't', maxErrors: '101%' }],
    ['maxErrors', { contactPoints: 'h', keyspace: 'k', table: 't', maxErrors: -2 }],
    ['batch.maxRows', { contactPoints: 'h', keyspace: 'k', table: 't', batch: { maxRows: 0 } }],
    [
      'batch.groupBy',
      { contactPoints: 'h', keyspace: 'k', table: 't', batch: { groupBy: 'host' } },
    ],
    ['window.max', { contactPoints: 'h', keyspace: 'k', table: 't', window: { min: 10, max: 5 } }],
    [
      'maxConcurrentQueries',
      { contactPoints: 'h', keyspace: 'k', table: 't', maxConcurrentQueries: 0 },
    ],
    [
      'maxConcurrentQueries',
      { contactPoints: 'h', keyspace: 'k', table: 't', maxConcurrentQueries: 2.5 },
    ],
    ['maxRowsPerSecond', { contactPoints: 'h', keyspace: 'k', table: 't', maxRowsPerSecond: -1 }],
    [
      'maxBytesPerSecond',
      { contactPoints: 'h', keyspace: 'k', table: 't', maxBytesPerSecond: '1M' },
    ],
    ['contactPoints', { contactPoints: ['h:99999'], keyspace: 'k', table: 't' }],
    ['mapping', { contactPoints: 'h', keyspace: 'k', table: 't', mapping: {} }],
    ['mapping.a-b', { contactPoints: 'h', keyspace: 'k', table: 't', mapping: { 'a-b': 'x' } }],
    ['username', { contactPoints: 'h', keyspace: 'k', table: 't', password: 'x' }],
    ['colour', { contactPoints: 'h', keyspace: 'k', table: 't', colour: 'red' }],
    ['url?ssl', { url: 'cassandra://h/k?ssl=1', table: 't' }],
  ])('names the option "%s" when it is wrong', (option, options) => {
    const error = configError(() => resolveConfig(options as never));
    expect(error.message).toContain(`"${option}"`);
    expect(error.details).toEqual({ option });
  });

  it('caps the sink at maxConcurrentQueries instances, one request in flight each at least', () => {
    const sink = cassandra({
      contactPoints: 'h',
      keyspace: 'k',
      table: 't',
      maxConcurrentQueries: 3,
    });
    expect(sink.maxParallelism).toBe(3);
    expect(cassandra({ contactPoints: 'h', keyspace: 'k', table: 't' }).maxParallelism).toBe(
      undefined,
    );
  });

  it('rejects a malformed URL without echoing it', () => {
    const error = configError(() => resolveConfig({ url: `http://u:${PASSWORD}@h/k` }));
    expect(error.message).toContain('"url"');
    expect(error.message).not.toContain(PASSWORD);
    const bad = configError(() => resolveConfig({ url: 'cassandra://u:%zz@h/k', table: 't' }));
    expect(bad.message).toMatch(/password.*percent-encoding/);
  });

  describe('the password never prints', () => {
    const sink = cassandra({
      url: `cassandra://user:${URL_PASSWORD}@h1/ks/t`,
      tls: { passphrase: 'tls-key-passphrase' },
    });
    const forms: Array<[string, () => string]> = [
      ['JSON of the config', () => JSON.stringify(sink.config)],
      ['JSON of the sink', () => JSON.stringify(sink)],
      [
        'inspect of the config',
        () => inspect(sink.config, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      ],
      ['inspect of the sink', () => inspect(sink, { depth: Number.POSITIVE_INFINITY })],
      ['String of the password', () => `${sink.config.password}`],
      ['JSON of a spread copy', () => JSON.stringify({ ...sink.config })],
      ['inspect of the secret', () => inspect(sink.config.password, { showHidden: true })],
    ];
    it.each(forms)('%s', (_, print) => {
      const text = print();
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(URL_PASSWORD);
      expect(text).not.toContain('tls-key-passphrase');
      expect(text).toContain('***');
    });

    it('is still available to build the credentials', () => {
      expect(sink.config.password).toBeInstanceOf(Secret);
      expect(sink.config.password?.reveal()).toBe(PASSWORD);
    });

    it('is not shown in a config error', () => {
      const error = configError(() =>
        resolveConfig({ url: `cassandra://u:${URL_PASSWORD}@h/k`, password: 7 as never }),
      );
      expect(error.message).not.toContain('7');
      expect(error.message).not.toContain(PASSWORD);
    });
  });
});
