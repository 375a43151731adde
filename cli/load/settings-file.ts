/**
 * `sluice load -f settings.json`: the settings of a load that is run again and again, kept in
 * a file, under DSBulk's names and in the shape of DSBulk's application.conf:
 *
 *   {
 *     // comments are allowed
 *     "dsbulk": {
 *       "connector.csv.url": "exports/users.csv",
 *       "schema": { "keyspace": "app", "table": "users" }
 *     },
 *     "datastax-java-driver": {
 *       "basic.contact-points": ["10.0.0.1:9042", "10.0.0.2:9042"],
 *       "advanced.auth-provider": { "username": "loader", "password": "…" }
 *     },
 *     "sluice": { "workers": 4 }
 *   }
 *
 * Keys nest or take dots, as in HOCON. DSBulk's settings are those of `DSBULK_NAMES`
 * (argv.ts); the `sluice` block holds this command's own options by their long names.
 * Options on the command line win over the file.
 *
 * The file is JSON with comments, read by jsonc-parser, not HOCON. The npm registry has two
 * HOCON parsers. `hocon-parser` is a sketch that misreads DSBulk's own files (`5 seconds`
 * swallows its block, `"\t"` becomes `t`). `@pushcorn/hocon-parser` runs JavaScript written
 * in the file (its `| eval` transform, even in strict mode) and fetches `include`d URLs: a
 * settings file that can run code or reach the network is not one to copy between machines.
 * JSON.parse is not used either: its errors quote the text around the fault, which may be a
 * password. jsonc-parser reports an error code and an offset, and nothing else.
 *
 * Errors name the file, the line and the key; a value is never quoted, so a password in the
 * file cannot reach the terminal.
 */

import { readFile } from 'node:fs/promises';
import type { Command, Option } from 'commander';
import {
  type Node as JsonNode,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { ConfigError } from '../../runtime/errors.ts';
import { DSBULK_NAMES, longNameOf, nearest } from './argv.ts';

/** The block of this command's own options, by long name. */
const SLUICE_ROOT = 'sluice';

/** One setting read from the file. */
export interface FileSetting {
  /** The key as the file spells it, dotted (`dsbulk.schema.keyspace`). */
  key: string;
  line: number;
  /** As the command line would give it: lists joined with commas. */
  value: string;
}

/** The file's settings, by the long name of the option each sets. */
export interface SettingsFile {
  path: string;
  settings: Map<string, FileSetting>;
}

/** Options a settings file may not set. */
const NOT_IN_FILE = new Set(['settings', 'help']);

export async function readSettingsFile(
  path: string,
  options: readonly Option[],
): Promise<SettingsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `settings file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { details: { option: 'f' } },
    );
  }
  return { path, settings: parseSettings(text, path, options) };
}

/** Parses the text of a settings file; `options` are the command's, to know its names. */
export function parseSettings(
  text: string,
  path: string,
  options: readonly Option[],
): Map<string, FileSetting> {
  const lineOf = lineFinder(text);
  const fail = (line: number, what: string): never => {
    throw new ConfigError(`settings file ${path}, line ${line}: ${what}`, {
      details: { option: 'f' },
    });
  };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, allowEmptyContent: true });
  const first = errors[0];
  if (first !== undefined) {
    fail(
      lineOf(first.offset),
      `not JSON (${printParseErrorCode(first.error)}). Settings files are JSON with comments, ` +
        'not HOCON: {"dsbulk": {"schema.keyspace": "ks"}, "datastax-java-driver": {"basic.contact-points": ["host"]}}',
    );
  }
  const settings = new Map<string, FileSetting>();
  if (root === undefined) return settings;
  if (root.type !== 'object') fail(lineOf(root.offset), 'the file must hold one JSON object');

  const known = fileKeys(options);
  const visit = (node: JsonNode, prefix: string): void => {
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children as [JsonNode, JsonNode];
      const key = prefix === '' ? String(keyNode.value) : `${prefix}.${keyNode.value}`;
      const line = lineOf(keyNode.offset);
      const long = longNameOfKey(key, options);
      if (long === undefined) {
        if (valueNode.type === 'object') {
          visit(valueNode, key);
          continue;
        }
        const near = nearest(key, known);
        fail(
          line,
          `unknown setting ${key}${near === undefined ? '' : `; did you mean ${near}?`}` +
            ' (the settings are those of sluice load --help, under dsbulk, datastax-java-driver or sluice)',
        );
      }
      const earlier = settings.get(long!);
      if (earlier !== undefined) {
        fail(line, `${key} sets the same option as ${earlier.key} (line ${earlier.line})`);
      }
      settings.set(long!, { key, line, value: settingText(valueNode, key, line, fail) });
    }
  };
  visit(root, '');
  return settings;
}

/**
 * The long name a file key sets: a DSBulk setting (dotted, with or without its root), or
 * `sluice.<long name>`. Shortcuts (`k`) belong to the command line, not to files.
 */
function longNameOfKey(key: string, options: readonly Option[]): string | undefined {
  if (key.startsWith(`${SLUICE_ROOT}.`)) {
    const long = key.slice(SLUICE_ROOT.length + 1);
    if (NOT_IN_FILE.has(long) || long.includes('.')) return undefined;
    return options.some((o) => o.long === `--${long}`) ? long : undefined;
  }
  if (!key.includes('.')) return undefined;
  const long = longNameOf(key, options);
  return long === key ? undefined : long;
}

/** Every key a file may use, for "did you mean". */
function fileKeys(options: readonly Option[]): string[] {
  const keys: string[] = [];
  for (const option of options) {
    const long = option.long?.slice(2);
    if (long === undefined || NOT_IN_FILE.has(long)) continue;
    keys.push(`${SLUICE_ROOT}.${long}`);
    for (const name of DSBULK_NAMES[long] ?? []) {
      if (!name.includes('.')) continue;
      keys.push(
        name.startsWith('driver.')
          ? `datastax-java-driver.${name.slice('driver.'.length)}`
          : `dsbulk.${name}`,
      );
    }
  }
  return keys;
}

function settingText(
  node: JsonNode,
  key: string,
  line: number,
  fail: (line: number, what: string) => never,
): string {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return String(node.value);
    case 'array': {
      const items = node.children ?? [];
      if (items.some((item) => item.type !== 'string' && item.type !== 'number')) {
        fail(line, `${key} must be a list of strings or numbers`);
      }
      return items.map((item) => String(item.value)).join(',');
    }
    default:
      return fail(line, `${key} must be a string, a number, a boolean or a list, not ${node.type}`);
  }
}

/** Options given together only once, from one place: the command line wins over the file. */
const EXCLUSIVE = [['password', 'password-file']];

/**
 * Copies each file setting the command line did not give into `values` (commander's option
 * values, by attribute name). Returns the settings taken from the file, by long name.
 */
export function applySettings(
  command: Command,
  values: Record<string, unknown>,
  file: SettingsFile,
): Map<string, FileSetting> {
  const isOnCommandLine = (long: string) => {
    const option = command.options.find((o) => o.long === `--${long}`);
    return option !== undefined && command.getOptionValueSource(option.attributeName()) === 'cli';
  };
  const applied = new Map<string, FileSetting>();
  for (const [long, setting] of file.settings) {
    const group = EXCLUSIVE.find((g) => g.includes(long)) ?? [long];
    if (group.some(isOnCommandLine)) continue;
    const option = command.options.find((o) => o.long === `--${long}`)!;
    values[option.attributeName()] = setting.value;
    applied.set(long, setting);
  }
  return applied;
}

/**
 * An option's error, said of the file when the file gave that option's value: "settings file
 * load.json, line 4, dsbulk.schema.keyspace: option -k must be …". Other errors pass as they are.
 */
export function locateError(
  error: unknown,
  file: SettingsFile | undefined,
  applied: ReadonlyMap<string, FileSetting>,
  options: readonly Option[],
): unknown {
  if (file === undefined || !(error instanceof ConfigError)) return error;
  const option = error.details?.option;
  if (typeof option !== 'string') return error;
  const setting = applied.get(longNameOf(option, options) ?? option);
  if (setting === undefined) return error;
  return new ConfigError(
    `settings file ${file.path}, line ${setting.line}, ${setting.key}: ${error.message}`,
    { details: error.details, cause: error },
  );
}

/** offset → 1-based line. */
function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}
