/**
 * DSBulk's spellings of the `sluice load` options, rewritten to this command's before
 * commander parses them.
 *
 * DSBulk spells its shortcuts with one dash (`-url`, `-header`, `-delim`, `-dryRun`, `-cl`)
 * and its settings with dotted long names (`--schema.keyspace`, `--connector.csv.url`).
 * Only tokens in option position are rewritten: a value (a password starting with a dash, a
 * delimiter of `-`) is left alone.
 */

/** Options that take a value, by canonical long name. Flags (no value) are listed apart. */
const VALUED = [
  'url',
  'keyspace',
  'table',
  'host',
  'port',
  'dc',
  'header',
  'delim',
  'mapping',
  'consistency',
  'maxErrors',
  'nullValue',
  'username',
  'password',
  'password-file',
  'tls-ca',
  'connector',
  'workers',
  'report',
  'badFile',
  'extensions',
] as const;
/** May take `true`/`false` after them, as DSBulk's booleans do, or stand alone. */
const BOOLEAN = ['dryRun', 'recursive', 'tls', 'allowMissingFields', 'allowExtraFields'] as const;

/** DSBulk's names (without dashes) and other spellings → the canonical long name. */
const ALIASES: Record<string, string> = {
  url: 'url',
  k: 'keyspace',
  t: 'table',
  h: 'host',
  port: 'port',
  dc: 'dc',
  header: 'header',
  delim: 'delim',
  m: 'mapping',
  cl: 'consistency',
  maxErrors: 'maxErrors',
  'max-errors': 'maxErrors',
  dryRun: 'dryRun',
  'dry-run': 'dryRun',
  nullValue: 'nullValue',
  'null-value': 'nullValue',
  u: 'username',
  p: 'password',
  c: 'connector',
  badFile: 'badFile',
  'bad-file': 'badFile',
  recursive: 'recursive',
  'connector.name': 'connector',
  'connector.csv.url': 'url',
  'connector.json.url': 'url',
  'connector.csv.header': 'header',
  'connector.csv.delimiter': 'delim',
  'connector.csv.nullValue': 'nullValue',
  'connector.csv.recursive': 'recursive',
  'connector.json.recursive': 'recursive',
  'schema.keyspace': 'keyspace',
  'schema.table': 'table',
  'schema.mapping': 'mapping',
  'schema.nullValue': 'nullValue',
  'schema.allowMissingFields': 'allowMissingFields',
  'schema.allowExtraFields': 'allowExtraFields',
  'driver.basic.contact-points': 'host',
  'datastax-java-driver.basic.contact-points': 'host',
  'driver.basic.request.consistency': 'consistency',
  'datastax-java-driver.basic.request.consistency': 'consistency',
  'driver.advanced.auth-provider.username': 'username',
  'driver.advanced.auth-provider.password': 'password',
  'log.maxErrors': 'maxErrors',
  'engine.dryRun': 'dryRun',
};

/** Letters commander knows as short flags: they pass through as `-k`. */
const SHORT: Record<string, string> = {
  keyspace: 'k',
  table: 't',
  host: 'h',
  mapping: 'm',
  username: 'u',
  password: 'p',
  connector: 'c',
};

function canonical(token: string): { name: string; inline: string | undefined } | undefined {
  const match = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(token);
  if (match === null) return undefined;
  const name = ALIASES[match[1]!] ?? (isKnown(match[1]!) ? match[1]! : undefined);
  return name === undefined ? undefined : { name, inline: match[2] };
}

function isKnown(name: string): boolean {
  return (
    (VALUED as readonly string[]).includes(name) || (BOOLEAN as readonly string[]).includes(name)
  );
}

/**
 * DSBulk-style arguments → this command's. `-url x` → `--url x`, `-cl ONE` → `--consistency
 * ONE`, `--schema.keyspace ks` → `--keyspace ks`, `-dryRun true` → `--dryRun true`. Unknown
 * tokens are left for commander, which names them in its error.
 */
export function normaliseArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') {
      out.push(...args.slice(i));
      break;
    }
    const option = canonical(token);
    if (option === undefined) {
      out.push(token);
      continue;
    }
    const short = SHORT[option.name];
    const flag = short !== undefined && /^-[a-z]$/.test(token) ? token : `--${option.name}`;
    if (option.inline !== undefined) {
      out.push(`${flag}=${option.inline}`);
    } else if ((BOOLEAN as readonly string[]).includes(option.name)) {
      out.push(flag);
      // DSBulk writes `-dryRun true`; commander's optional value does not take "false" well.
      const next = args[i + 1];
      if (next === 'true' || next === 'false') {
        out[out.length - 1] = `${flag}=${next}`;
        i++;
      }
    } else {
      out.push(flag);
      // The value goes through untouched, whatever it looks like.
      if (i + 1 < args.length) out.push(args[++i]!);
    }
  }
  return out;
}
