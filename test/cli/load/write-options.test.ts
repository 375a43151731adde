/**
 * The write-side options of `sluice load` as typed on a command line (DSBulk's spellings):
 * -query, -ttl, -timestamp, --schema.nullToUnset and the mapping's DSBulk syntax, through the
 * real command and into the plan the load runs. The cluster side is in
 * write-options.cassandra.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { type LoadArgs, resolveLoadOptions } from '../../../cli/load/options.ts';
import { ConfigError } from '../../../runtime/errors.ts';
import { parsed } from './parse-args.ts';

async function plan(args: string[]) {
  return resolveLoadOptions(await parsed(['-url', 'data.csv', ...args]), {});
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('load: DSBulk schema settings on the command line', () => {
  it('defaults: every column by name, no TTL or write time, nulls unset', async () => {
    expect(await plan(['-k', 'ks', '-t', 'users'])).toMatchObject({
      mapping: undefined,
      isMappedByName: true,
      excludedColumns: [],
      query: undefined,
      ttlSeconds: undefined,
      timestampMicros: undefined,
      nulls: 'unset',
    });
  });

  it('-ttl and --schema.queryTtl; -timestamp and --schema.queryTimestamp; -1 is no TTL', async () => {
    expect(
      await plan(['-k', 'ks', '-t', 'u', '-ttl', '3600', '-timestamp', '2024-05-01T12:00:00.5Z']),
    ).toMatchObject({ ttlSeconds: 3600, timestampMicros: 1_714_564_800_500_000 });
    expect(
      await plan([
        '-k',
        'ks',
        '-t',
        'u',
        '--schema.queryTtl',
        '-1',
        '--schema.queryTimestamp',
        '2024-05-01 12:00:00.000001',
      ]),
    ).toMatchObject({ ttlSeconds: undefined, timestampMicros: 1_714_564_800_000_001 });
  });

  it('--schema.nullToUnset false writes nulls; -nullToUnset true is the default', async () => {
    expect((await plan(['-k', 'ks', '-t', 'u', '--schema.nullToUnset', 'false'])).nulls).toBe(
      'null',
    );
    expect((await plan(['-k', 'ks', '-t', 'u', '-nullToUnset', 'true'])).nulls).toBe('unset');
  });

  it('-query names the keyspace and table; -k supplies the keyspace of an unqualified one', async () => {
    const query = 'UPDATE app.hits SET n = n + :n WHERE page = :page';
    expect(await plan(['-query', query])).toMatchObject({ keyspace: 'app', table: 'hits', query });
    expect(
      await plan(['--schema.query', 'INSERT INTO t (id) VALUES (:id)', '-k', 'ks']),
    ).toMatchObject({ keyspace: 'ks', table: 't' });
  });

  it('the mapping in DSBulk syntax reaches the plan as the sink takes it', async () => {
    expect(
      await plan(['-k', 'ks', '-t', 'u', '-m', '* = [-c2, -c3], now() = seen, t = __ttl']),
    ).toMatchObject({
      mapping: { seen: 'now()', __ttl: 't' },
      isMappedByName: true,
      excludedColumns: ['c2', 'c3'],
    });
  });

  it('refuses what it cannot mean, naming the option', async () => {
    const base: LoadArgs = { url: 'data.csv', keyspace: 'ks', table: 'u' };
    const cases: Array<[LoadArgs, RegExp]> = [
      [{ ...base, ttl: '1.5' }, /option -ttl must be whole seconds from 0 to 630720000/],
      [{ ...base, ttl: '630720001' }, /option -ttl must be whole seconds/],
      [
        { ...base, ttl: 'true' },
        /DSBulk's -ttl true\|false \(schema.preserveTtl\) is not supported/,
      ],
      [{ ...base, timestamp: 'false' }, /schema.preserveTimestamp\) is not supported/],
      [{ ...base, timestamp: 'yesterday' }, /option -timestamp must be an ISO date-time/],
      [{ ...base, nullToUnset: 'maybe' }, /option -nullToUnset must be true or false/],
      [{ ...base, table: undefined, query: 'DELETE FROM ks.u WHERE id = :id' }, /-query: .*DELETE/],
      [
        { ...base, query: 'INSERT INTO ks.other (id) VALUES (:id)' },
        /option -t must be left out, or the table -query writes to \(other\)/,
      ],
      [
        { ...base, keyspace: 'x', query: 'INSERT INTO ks.u (id) VALUES (:id)' },
        /option -k must be left out, or the keyspace -query writes to \(ks\)/,
      ],
      [{ url: 'data.csv', query: 'INSERT INTO u (id) VALUES (:id)' }, /option -k must be given/],
      [{ ...base, mapping: '* = c2' }, /option -m must be '\* = \*', '\* = -column'/],
    ];
    for (const [args, message] of cases) {
      expect(
        failure(() => resolveLoadOptions(args, {})),
        JSON.stringify(args),
      ).toMatch(message);
    }
  });
});
