/**
 * DSBulk's spellings of the `sluice load` options, rewritten to this command's before
 * commander parses them; and the table of DSBulk names, which settings files (`-f`) share.
 *
 * DSBulk spells its shortcuts with one dash (`-url`, `-header`, `-delim`, `-dryRun`, `-cl`)
 * and its settings with dotted long names (`--schema.keyspace`, `--connector.csv.url`). It
 * never bundles one-letter flags, so `-kk` is an unknown option, not `-k k`. Only tokens in
 * option position are looked at: a value (a password starting with a dash, a delimiter of
 * `-`) is passed on untouched.
 */

import type { Option } from 'commander';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from '../../runtime/errors.ts';

/**
 * DSBulk's names of each option, by its long name here (`keyspace` is `--keyspace`). A name
 * without a dot is a shortcut, typed with one dash (`-k`); a dotted one is a setting, typed
 * with two (`--schema.keyspace`) and written in settings files. A setting is also accepted
 * under its root (`dsbulk.schema.keyspace`; `datastax-java-driver.basic.contact-points` for
 * `driver.basic.contact-points`). Every long name is also accepted with one dash
 * (`-maxErrors`, `-query`), so a shortcut equal to its long name needs no entry here.
 *
 * To give an option DSBulk's names, add them to its line. Names of an option that `load`
 * does not have (yet) are refused as unknown, so listing them early does no harm.
 */
export const DSBULK_NAMES: Readonly<Record<string, readonly string[]>> = {
  // Connector
  connector: ['c', 'connector.name'],
  url: ['connector.csv.url', 'connector.json.url'],
  header: ['connector.csv.header'],
  delim: ['connector.csv.delimiter'],
  nullValue: ['null-value', 'connector.csv.nullValue'],
  recursive: ['connector.csv.recursive', 'connector.json.recursive'],
  skipRecords: ['connector.csv.skipRecords', 'connector.json.skipRecords'],
  maxRecords: ['connector.csv.maxRecords', 'connector.json.maxRecords'],
  comment: ['connector.csv.comment'],
  quote: ['connector.csv.quote'],
  escape: ['connector.csv.escape'],
  maxCharsPerColumn: ['connector.csv.maxCharsPerColumn'],
  ignoreLeadingWhitespaces: ['connector.csv.ignoreLeadingWhitespaces'],
  // Schema
  keyspace: ['k', 'schema.keyspace'],
  table: ['t', 'schema.table'],
  mapping: ['m', 'schema.mapping'],
  query: ['schema.query'],
  ttl: ['schema.queryTtl'],
  timestamp: ['schema.queryTimestamp'],
  nullToUnset: ['schema.nullToUnset'],
  allowMissingFields: ['schema.allowMissingFields'],
  allowExtraFields: ['schema.allowExtraFields'],
  // Engine and executor
  dryRun: ['dry-run', 'engine.dryRun'],
  maxConcurrentQueries: ['engine.maxConcurrentQueries'],
  maxPerSecond: ['executor.maxPerSecond'],
  maxBytesPerSecond: ['executor.maxBytesPerSecond'],
  // Log
  maxErrors: ['max-errors', 'log.maxErrors'],
  logDirectory: ['logDir', 'log.directory'],
  badFile: ['bad-file'],
  // Driver
  host: ['h', 'driver.basic.contact-points'],
  port: ['driver.basic.default-port'],
  dc: ['driver.basic.load-balancing-policy.local-datacenter'],
  consistency: ['cl', 'driver.basic.request.consistency'],
  username: ['u', 'driver.advanced.auth-provider.username'],
  password: ['p', 'driver.advanced.auth-provider.password'],
  'connect-timeout': ['driver.advanced.connection.connect-timeout'],
};

/** The roots DSBulk accepts in front of its settings. */
const DSBULK_ROOT = 'dsbulk.';
const DRIVER_ROOT = 'datastax-java-driver.';

/** A DSBulk name (shortcut or setting, with or without its root) → the long name here. */
const LONG_NAME_OF: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [long, names] of Object.entries(DSBULK_NAMES)) {
    for (const name of names) {
      map.set(name, long);
      if (name.startsWith('driver.')) map.set(DRIVER_ROOT + name.slice('driver.'.length), long);
      else if (name.includes('.')) map.set(DSBULK_ROOT + name, long);
    }
  }
  return map;
})();

/**
 * The long name of a DSBulk shortcut or setting (`k`, `schema.keyspace`,
 * `dsbulk.schema.keyspace` → `keyspace`), or of a long name itself; undefined when unknown.
 */
export function longNameOf(name: string, options: readonly Option[]): string | undefined {
  const long = LONG_NAME_OF.get(name) ?? name;
  return options.some((o) => o.long === `--${long}`) ? long : undefined;
}

/** How a user types a name: DSBulk's one dash, two for dotted or kebab-case names. */
export function spelled(name: string): string {
  return /[.-]/.test(name.slice(1)) ? `--${name}` : `-${name}`;
}

/** The nearest known spelling of a mistyped name (within two edits), if there is one. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const lower = known.map((k) => k.toLowerCase());
  const best = closest(name.toLowerCase(), lower);
  const edits = distance(name.toLowerCase(), best);
  // "-x" is not a typo of "-k": a one-letter name would match every other one.
  return edits <= 2 && edits < name.length ? known[lower.indexOf(best)] : undefined;
}

/** Every name a user may type for these options, without dashes (settings with their roots too). */
export function knownNames(options: readonly Option[]): string[] {
  const names = new Set<string>();
  for (const option of options) {
    if (option.long === undefined) continue;
    names.add(option.long.slice(2));
    if (option.short !== undefined) names.add(option.short.slice(1));
  }
  for (const [name, long] of LONG_NAME_OF) if (names.has(long)) names.add(name);
  return [...names];
}

function usageError(message: string, option: string): ConfigError {
  return new ConfigError(message, { details: { option } });
}

function unknownOption(token: string, name: string, options: readonly Option[]): ConfigError {
  const near = nearest(name, knownNames(options));
  const hint = near === undefined ? '' : `; did you mean ${spelled(near)}?`;
  return usageError(`unknown option ${token}${hint} (sluice load --help lists them)`, name);
}

function unexpectedArgument(token: string, previous: Option | undefined): ConfigError {
  const hint =
    previous?.long === '--url'
      ? `: -url takes one value; name several inputs comma-separated, or quote a glob ('data/*.csv')`
      : ': every value follows its option (-k ks), and `load` takes no other arguments';
  return usageError(`unexpected argument ${JSON.stringify(token)}${hint}`, token);
}

/**
 * DSBulk-style arguments → this command's: `-url x` → `--url x`, `-cl ONE` →
 * `--consistency ONE`, `--schema.keyspace ks` → `--keyspace ks`, `-dryRun true` →
 * `--dryRun=true`. `options` are the command's (commander's `Option`s): they say which names
 * exist and which take a value. An unknown option, or an argument where an option belongs,
 * fails with a `ConfigError` naming it and the nearest known name.
 */
export function normaliseArgs(args: readonly string[], options: readonly Option[]): string[] {
  const out: string[] = [];
  let previous: Option | undefined;
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (token === '--help' || token === '-help') {
      out.push('--help');
      continue;
    }
    if (!token.startsWith('-') || token === '-') throw unexpectedArgument(token, previous);
    const match = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(token);
    if (match === null) throw unknownOption(token, token.replace(/^-+/, ''), options);
    const name = match[1]!;
    const inline = match[2];
    const option =
      (name.length === 1 ? options.find((o) => o.short === `-${name}`) : undefined) ??
      options.find((o) => o.long === `--${longNameOf(name, options)}`);
    if (option === undefined) throw unknownOption(token, name, options);
    previous = option;
    const flag = option.long!;
    if (inline !== undefined) {
      out.push(`${flag}=${inline}`);
    } else if (option.required) {
      out.push(flag);
      // The value goes through untouched, whatever it looks like.
      if (i + 1 < args.length) out.push(args[++i]!);
    } else if (option.optional) {
      // DSBulk writes `-dryRun true`; commander's optional value does not take "false" well.
      const next = args[i + 1];
      if (next === 'true' || next === 'false') {
        out.push(`${flag}=${next}`);
        i++;
      } else {
        out.push(flag);
      }
    } else {
      out.push(flag);
    }
  }
  return out;
}
