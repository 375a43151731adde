import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCommand } from '../../../cli/load/command.ts';
import { describePlan, type LoadArgs, resolveLoadOptions } from '../../../cli/load/options.ts';
import {
  applySettings,
  locateError,
  parseSettings,
  readSettingsFile,
} from '../../../cli/load/settings-file.ts';
import { ConfigError } from '../../../runtime/errors.ts';

const options = loadCommand().options;
const PASSWORD = 'pw-in-the-file-7f3a';

function parse(text: string) {
  return Object.fromEntries(
    [...parseSettings(text, 'load.json', options)].map(([long, s]) => [long, s.value]),
  );
}

function failure(text: string): string {
  try {
    parseSettings(text, 'load.json', options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the settings to fail');
}

describe('parseSettings', () => {
  it("reads DSBulk's blocks, nested or dotted, with comments", () => {
    const text = `{
      // the load of users, every night
      "dsbulk": {
        "connector.csv.url": "exports/users.csv",
        "connector": { "csv": { "header": false, "delimiter": "\\t" } },
        "schema": { "keyspace": "app", "table": "users", "mapping": "0=id, 1=name" },
        "log.maxErrors": 10,
        "engine.dryRun": true, /* trailing commas too */
      },
      "datastax-java-driver": {
        "basic.contact-points": ["10.0.0.1", "10.0.0.2:9043"],
        "basic.request.consistency": "LOCAL_QUORUM",
        "advanced.auth-provider": { "username": "loader", "password": "${PASSWORD}" },
      },
      "sluice": { "workers": 4, "tls-ca": "ca.pem" },
    }`;
    expect(parse(text)).toEqual({
      url: 'exports/users.csv',
      header: 'false',
      delim: '\t',
      keyspace: 'app',
      table: 'users',
      mapping: '0=id, 1=name',
      maxErrors: '10',
      dryRun: 'true',
      host: '10.0.0.1,10.0.0.2:9043',
      consistency: 'LOCAL_QUORUM',
      username: 'loader',
      password: PASSWORD,
      workers: '4',
      'tls-ca': 'ca.pem',
    });
  });

  it('takes settings without their root too, and an empty file', () => {
    expect(parse('{"schema.keyspace": "ks", "dsbulk.schema.table": "t"}')).toEqual({
      keyspace: 'ks',
      table: 't',
    });
    expect(parse('')).toEqual({});
    expect(parse('// nothing yet\n')).toEqual({});
  });

  it('names the file, the line and an unknown key, with the nearest known one', () => {
    expect(failure('{\n  "dsbulk": {\n    "schema.keyspce": "ks"\n  }\n}')).toBe(
      'settings file load.json, line 3: unknown setting dsbulk.schema.keyspce; did you mean dsbulk.schema.keyspace? ' +
        '(the settings are those of sluice load --help, under dsbulk, datastax-java-driver or sluice)',
    );
    // Shortcuts belong to the command line; the file takes settings.
    expect(failure('{"k": "ks"}')).toMatch(/line 1: unknown setting k\b/);
    expect(failure('{"dsbulk": {"codec.locale": "fr"}}')).toMatch(
      /unknown setting dsbulk.codec.locale/,
    );
    expect(failure('{"sluice": {"settings": "other.json"}}')).toMatch(
      /unknown setting sluice.settings/,
    );
  });

  it('names a key whose value has the wrong shape, never the value', () => {
    expect(failure('{"dsbulk": {"schema.keyspace": {"a": 1}}}')).toBe(
      'settings file load.json, line 1: dsbulk.schema.keyspace must be a string, a number, a boolean or a list, not object',
    );
    expect(failure('{"datastax-java-driver.basic.contact-points": [["h"]]}')).toMatch(
      /contact-points must be a list of strings or numbers/,
    );
    expect(failure(`{"driver.advanced.auth-provider.password": null}`)).toMatch(/not null/);
  });

  it('refuses two keys for one option', () => {
    expect(failure('{"dsbulk": {"schema.keyspace": "a"},\n "schema.keyspace": "b"}')).toBe(
      'settings file load.json, line 2: schema.keyspace sets the same option as dsbulk.schema.keyspace (line 1)',
    );
  });

  it('says HOCON is not read, without quoting the text (a password may be in it)', () => {
    const hocon = `dsbulk {\n  schema.keyspace = ks\n}\ndatastax-java-driver.advanced.auth-provider.password = ${PASSWORD}\n`;
    const message = failure(hocon);
    expect(message).toMatch(
      /^settings file load\.json, line 1: not JSON \(\w+\)\. Settings files are JSON with comments, not HOCON/,
    );
    expect(message).not.toContain(PASSWORD);
    const broken = failure(`{"driver.advanced.auth-provider.password": ${PASSWORD}}`);
    expect(broken).toMatch(/line 1: not JSON/);
    expect(broken).not.toContain(PASSWORD);
  });
});

describe('a settings file under the load command', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-settings-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Parses `args` with the real command, then applies the file as the action does. */
  async function load(args: string[], settings: unknown) {
    const path = join(dir, `s${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, JSON.stringify(settings, null, 2));
    const command = loadCommand();
    command.action(() => {});
    command.exitOverride();
    await command.parseAsync(['-f', path, ...args], { from: 'user' });
    const values = command.opts() as LoadArgs & Record<string, unknown>;
    const file = await readSettingsFile(path, command.options);
    const applied = applySettings(command, values, file);
    const plan = () => {
      try {
        return resolveLoadOptions(values, {});
      } catch (error) {
        throw locateError(error, file, applied, command.options);
      }
    };
    return { path, values, applied, plan };
  }

  it('the command line wins over the file, which wins over defaults', async () => {
    const { plan, applied } = await load(['-k', 'cli_ks', '--dryRun', 'false'], {
      dsbulk: {
        'connector.csv.url': 'users.csv',
        'schema.keyspace': 'file_ks',
        'schema.table': 'users',
        'engine.dryRun': true,
      },
      'datastax-java-driver': { 'basic.contact-points': ['10.0.0.1', '10.0.0.2:9043'] },
    });
    expect(plan()).toMatchObject({
      inputs: ['users.csv'],
      keyspace: 'cli_ks',
      table: 'users',
      isDryRun: false,
      hosts: ['10.0.0.1:9042', '10.0.0.2:9043'],
    });
    expect([...applied.keys()].sort()).toEqual(['host', 'table', 'url']);
  });

  it('keeps a password from the file, and never shows it', async () => {
    const { plan } = await load(['-url', 'a.csv', '-k', 'ks', '-t', 't'], {
      'datastax-java-driver': {
        'advanced.auth-provider.username': 'loader',
        'advanced.auth-provider.password': PASSWORD,
      },
    });
    const resolved = plan();
    expect(resolved.password).toBe(PASSWORD);
    expect(JSON.stringify(describePlan(resolved))).not.toContain(PASSWORD);
  });

  it('a password file on the command line replaces the password in the file', async () => {
    const { values } = await load(['--password-file', join(dir, 'pw')], {
      'datastax-java-driver.advanced.auth-provider.password': PASSWORD,
    });
    expect(values.password).toBeUndefined();
  });

  it("an option's error from a value in the file names the file, the line and the key", async () => {
    const { plan, path } = await load(['-url', 'a.csv', '-t', 't'], {
      dsbulk: { 'schema.keyspace': '1-not-a-name' },
      'datastax-java-driver': { 'basic.request.consistency': 'SOMETIMES' },
    });
    expect(() => plan()).toThrow(
      `settings file ${path}, line 3, dsbulk.schema.keyspace: option -k must be a CQL name`,
    );
    const consistency = await load(['-url', 'a.csv', '-k', 'ks', '-t', 't'], {
      'datastax-java-driver': { 'basic.request.consistency': 'SOMETIMES' },
    });
    expect(() => consistency.plan()).toThrow(
      /line 3, datastax-java-driver\.basic\.request\.consistency: option -cl must be one of/,
    );
  });

  it('a file that cannot be read is named', async () => {
    await expect(readSettingsFile(join(dir, 'missing.json'), options)).rejects.toThrow(
      /settings file .*missing\.json cannot be read: ENOENT/,
    );
  });
});
