import { describe, expect, it } from 'vitest';
import { DSBULK_NAMES, longNameOf, nearest, normaliseArgs } from '../../../cli/load/argv.ts';
import { loadCommand } from '../../../cli/load/command.ts';
import { ConfigError } from '../../../runtime/errors.ts';

/** The real command's options: they say which names exist and which take a value. */
const options = loadCommand().options;
const normalise = (args: string[]) => normaliseArgs(args, options);

function usageError(args: string[]): string {
  try {
    normalise(args);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${args.join(' ')} to fail`);
}

describe('normaliseArgs', () => {
  it('rewrites DSBulk single-dash long options and one-letter flags to long names', () => {
    expect(
      normalise(['-url', 'a.csv', '-k', 'ks', '-t', 't', '-header', 'false', '-delim', ';']),
    ).toEqual([
      '--url',
      'a.csv',
      '--keyspace',
      'ks',
      '--table',
      't',
      '--header',
      'false',
      '--delim',
      ';',
    ]);
    expect(normalise(['-cl', 'ONE', '-h', 'h1,h2', '-maxErrors', '5%'])).toEqual([
      '--consistency',
      'ONE',
      '--host',
      'h1,h2',
      '--maxErrors',
      '5%',
    ]);
  });

  it('maps DSBulk settings, with or without their root, and kebab spellings', () => {
    expect(
      normalise([
        '--schema.keyspace',
        'ks',
        '--connector.csv.url=x.csv',
        '--connector.name',
        'json',
        '--max-errors',
        '3',
        '--datastax-java-driver.basic.contact-points',
        'h',
        '--dsbulk.schema.table',
        't',
        '--driver.basic.request.consistency',
        'ONE',
        '--log.maxErrors',
        '4',
        '--datastax-java-driver.advanced.auth-provider.username',
        'bob',
      ]),
    ).toEqual([
      '--keyspace',
      'ks',
      '--url=x.csv',
      '--connector',
      'json',
      '--maxErrors',
      '3',
      '--host',
      'h',
      '--table',
      't',
      '--consistency',
      'ONE',
      '--maxErrors',
      '4',
      '--username',
      'bob',
    ]);
  });

  it('gives every option of load its long name, and each DSBulk name one option', () => {
    for (const option of options) {
      const long = option.long!.slice(2);
      expect(longNameOf(long, options)).toBe(long);
      for (const name of DSBULK_NAMES[long] ?? []) expect(longNameOf(name, options)).toBe(long);
    }
    const seen = new Map<string, string>();
    for (const [long, names] of Object.entries(DSBULK_NAMES)) {
      for (const name of names) {
        expect(seen.get(name), `${name} names both ${seen.get(name)} and ${long}`).toBeUndefined();
        seen.set(name, long);
      }
    }
  });

  it('booleans take an optional true/false, as DSBulk writes them', () => {
    expect(normalise(['-dryRun', 'true', '-k', 'ks'])).toEqual([
      '--dryRun=true',
      '--keyspace',
      'ks',
    ]);
    expect(normalise(['-dryRun', '-k', 'ks'])).toEqual(['--dryRun', '--keyspace', 'ks']);
    expect(normalise(['--tls', 'false'])).toEqual(['--tls=false']);
    expect(normalise(['--engine.dryRun', 'false'])).toEqual(['--dryRun=false']);
  });

  it('never rewrites a value, whatever it looks like', () => {
    expect(normalise(['-p', '-url', '-delim', '-header'])).toEqual([
      '--password',
      '-url',
      '--delim',
      '-header',
    ]);
    expect(normalise(['-maxErrors', '-1'])).toEqual(['--maxErrors', '-1']);
    expect(normalise(['-url', '-', '--', '-url'])).toEqual(['--url', '-', '--', '-url']);
  });

  it('passes --help (and DSBulk-style -help) on', () => {
    expect(normalise(['-k', 'ks', '--help'])).toEqual(['--keyspace', 'ks', '--help']);
    expect(normalise(['-help'])).toEqual(['--help']);
  });

  it('names an unknown option and the nearest known one', () => {
    // DSBulk never bundles flags: -kk is not -k k.
    expect(usageError(['-kk', 'nu2'])).toBe(
      'unknown option -kk; did you mean -k? (sluice load --help lists them)',
    );
    expect(usageError(['-maxError', '3'])).toMatch(
      /unknown option -maxError; did you mean -maxErrors\?/,
    );
    expect(usageError(['--schema.keyspce', 'ks'])).toMatch(/did you mean --schema.keyspace\?/);
    expect(usageError(['--dsbulk.schema.tabel', 't'])).toMatch(
      /did you mean --dsbulk.schema.table\?/,
    );
    expect(usageError(['-bogus', '1'])).toBe(
      'unknown option -bogus (sluice load --help lists them)',
    );
    expect(usageError(['-x'])).not.toMatch(/did you mean/);
  });

  it('names an argument that stands where an option belongs', () => {
    expect(usageError(['-k', 'ks', 'nu2'])).toMatch(
      /^unexpected argument "nu2": every value follows its option/,
    );
    // A shell that expanded -url *.csv: say how to name several inputs.
    expect(usageError(['-url', 'a.csv', 'b.csv'])).toMatch(
      /unexpected argument "b.csv": -url takes one value; name several inputs comma-separated/,
    );
  });
});

describe('nearest', () => {
  it('finds a typo within two edits, ignoring case, and nothing further', () => {
    expect(nearest('keyspce', ['keyspace', 'table'])).toBe('keyspace');
    expect(nearest('MAXERRORS', ['maxErrors'])).toBe('maxErrors');
    expect(nearest('compression', ['keyspace', 'table'])).toBeUndefined();
    expect(nearest('x', [])).toBeUndefined();
  });
});

describe('the load command', () => {
  it('reports an unknown option through commander, naming it', async () => {
    const command = loadCommand();
    const errors: string[] = [];
    command.action(() => {});
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => {} });
    await expect(command.parseAsync(['-kk', 'nu2'], { from: 'user' })).rejects.toMatchObject({
      exitCode: 3,
    });
    expect(errors.join('')).toBe(
      'sluice load: unknown option -kk; did you mean -k? (sluice load --help lists them)\n',
    );
  });

  it('--help lists every option, in DSBulk sections, with its DSBulk names', () => {
    const command = loadCommand();
    const help = command.helpInformation();
    for (const option of command.options) expect(help).toContain(option.long!);
    const headings = [
      'Connector (the input',
      'Schema (the table and the mapping',
      'Engine and executor',
      'Log (errors and reports',
      'Driver (the connection',
    ];
    const at = headings.map((h) => help.indexOf(h));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // An option sits in its section, and shows the DSBulk names a user may already know.
    const schema = help.slice(at[1]!, at[2]!);
    expect(schema).toMatch(/-k, --keyspace <name> +keyspace \[--schema\.keyspace\]/);
    const driver = help.slice(at[4]!);
    expect(driver).toContain('--consistency <level>');
    expect(driver).toMatch(/\[-cl,\s+--driver\.basic\.request\.consistency\]/);
  });
});
