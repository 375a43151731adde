import { describe, expect, it } from 'vitest';
import { describePlan, type LoadArgs, resolveLoadOptions } from '../../../cli/load/options.ts';
import { ConfigError } from '../../../runtime/errors.ts';
import { parsed } from './parse-args.ts';

const base: LoadArgs = { url: 'data.csv', keyspace: 'ks', table: 'users' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('the load command parses DSBulk-style command lines', () => {
  it('-h names hosts (help is --help) and single-dash long options arrive', async () => {
    const options = await parsed([
      '-url',
      'a.csv,b/',
      '-k',
      'ks',
      '-t',
      'users',
      '-h',
      '10.0.0.1,10.0.0.2:9043',
      '-header',
      'false',
      '-m',
      '0=id, 2=name',
      '-cl',
      'local_one',
      '-dryRun',
      'true',
      '-p',
      '-starts-with-dash',
      '-u',
      'bob',
    ]);
    expect(options).toMatchObject({
      url: 'a.csv,b/',
      host: '10.0.0.1,10.0.0.2:9043',
      header: 'false',
      mapping: '0=id, 2=name',
      consistency: 'local_one',
      dryRun: 'true',
      password: '-starts-with-dash',
      username: 'bob',
    });
    const plan = resolveLoadOptions(options, {});
    expect(plan).toMatchObject({
      inputs: ['a.csv', 'b/'],
      hosts: ['10.0.0.1:9042', '10.0.0.2:9043'],
      header: false,
      isPositional: true,
      mapping: { id: '0', name: '2' },
      consistency: 'LOCAL_ONE',
      isDryRun: true,
    });
  });

  it('an unknown option is named', async () => {
    await expect(parsed(['-url', 'a.csv', '-bogus', '1'])).rejects.toThrow(/unknown option -bogus/);
  });

  it('a bad connector name is named', async () => {
    await expect(parsed(['-url', 'a.csv', '-c', 'parquet'])).rejects.toThrow(/parquet/);
  });
});

describe('resolveLoadOptions', () => {
  it('defaults: CSV with a header, LOCAL_ONE, 100 errors, bad files in ./logs', () => {
    const plan = resolveLoadOptions(base, {});
    expect(plan).toMatchObject({
      inputs: ['data.csv'],
      format: 'csv',
      header: true,
      delimiter: ',',
      nullValue: '',
      mapping: undefined,
      hosts: undefined,
      port: 9042,
      consistency: 'LOCAL_ONE',
      maxErrors: { kind: 'count', limit: 100 },
      isDryRun: false,
      tls: false,
      badFile: undefined,
      logDirectory: 'logs',
      csv: {
        quote: '"',
        escape: '"',
        comment: '',
        ltrim: false,
        maxCharsPerColumn: 0,
        skipRecords: 0,
        maxRecords: -1,
      },
      extensions: ['.csv', '.csv.gz'],
    });
  });

  it("DSBulk's connector.csv settings", () => {
    const plan = resolveLoadOptions(
      {
        ...base,
        quote: "'",
        escape: '\\',
        comment: '#',
        ignoreLeadingWhitespaces: 'true',
        maxCharsPerColumn: '4096',
        skipRecords: '10',
        maxRecords: '100',
        logDirectory: '/tmp/l',
      },
      {},
    );
    expect(plan.csv).toEqual({
      quote: "'",
      escape: '\\',
      comment: '#',
      ltrim: true,
      maxCharsPerColumn: 4096,
      skipRecords: 10,
      maxRecords: 100,
    });
    expect(plan.logDirectory).toBe('/tmp/l');
    for (const [args, option] of [
      [{ quote: 'ab' }, 'connector.csv.quote'],
      [{ comment: '"' }, 'connector.csv.comment'],
      [{ maxCharsPerColumn: '0' }, 'connector.csv.maxCharsPerColumn'],
      [{ maxRecords: 'x' }, 'maxRecords'],
      [{ ignoreLeadingWhitespaces: 'maybe' }, 'connector.csv.ignoreLeadingWhitespaces'],
    ] as const) {
      expect(() => resolveLoadOptions({ ...base, ...args }, {})).toThrow(`option -${option} `);
    }
  });

  it('each bad option fails naming that option', () => {
    const cases: Array<[LoadArgs, string]> = [
      [{ ...base, url: undefined }, 'url'],
      [{ ...base, url: '-,a.csv' }, 'url'],
      [{ ...base, keyspace: undefined }, 'k'],
      [{ ...base, table: 'bad-name' }, 't'],
      [{ ...base, header: 'maybe' }, 'header'],
      [{ ...base, delim: '' }, 'delim'],
      [{ ...base, consistency: 'SOME' }, 'cl'],
      [{ ...base, maxErrors: 'many' }, 'maxErrors'],
      [{ ...base, maxErrors: '150%' }, 'maxErrors'],
      [{ ...base, workers: '0' }, 'workers'],
      [{ ...base, port: '70000' }, 'port'],
      [{ ...base, host: 'a b' }, 'h'],
      [{ ...base, connector: 'xml' }, 'connector.name'],
      [{ ...base, connector: 'json', header: 'false' }, 'header'],
      [{ ...base, header: 'false' }, 'm'],
      [{ ...base, dryRun: 'sometimes' }, 'dryRun'],
      [{ ...base, username: 'bob' }, 'p'],
    ];
    for (const [args, option] of cases) {
      const error = configError(() => resolveLoadOptions(args, {}));
      expect(error.details?.option, JSON.stringify(args)).toBe(option);
      expect(error.message).toContain(`-${option}`);
    }
  });

  it('takes the password from SLUICE_PASSWORD, never echoes it, and needs a user name', () => {
    const plan = resolveLoadOptions({ ...base, username: 'bob' }, { SLUICE_PASSWORD: 'hunter2' });
    expect(plan.password).toBe('hunter2');
    expect(JSON.stringify(describePlan(plan))).not.toContain('hunter2');
    const cli = resolveLoadOptions(
      { ...base, username: 'bob', password: 'fromcli' },
      { SLUICE_PASSWORD: 'env' },
    );
    expect(cli.password).toBe('fromcli');
    const error = configError(() => resolveLoadOptions({ ...base, password: 'hunter2' }, {}));
    expect(error.message).toMatch(/no user name/);
    expect(error.message).not.toContain('hunter2');
  });

  it('--tls-ca implies --tls; json takes JSON Lines extensions', () => {
    expect(resolveLoadOptions({ ...base, tlsCa: 'ca.pem' }, {}).tls).toBe(true);
    expect(resolveLoadOptions({ ...base, connector: 'json' }, {})).toMatchObject({
      format: 'jsonl',
      extensions: ['.json', '.jsonl', '.json.gz', '.jsonl.gz'],
    });
    expect(resolveLoadOptions({ ...base, extensions: 'tsv, *' }, {}).extensions).toEqual([]);
    expect(resolveLoadOptions({ ...base, extensions: 'tsv,.txt' }, {}).extensions).toEqual([
      '.tsv',
      '.txt',
    ]);
    expect(resolveLoadOptions({ ...base, delim: '\\t' }, {}).delimiter).toBe('\t');
  });
});
