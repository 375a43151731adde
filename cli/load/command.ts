/**
 * `sluice load -url data.csv -k ks -t table [-h host[:port],…] [options]`: the bulk loader,
 * with DSBulk's option names. main.ts adds it with `loadCommand()`.
 *
 * DSBulk spells long options with one dash and has dotted long names; `LoadCommand` rewrites
 * them (see load/argv.ts) before commander parses. As in DSBulk, `-h` names hosts, so help
 * is `--help` only. `-f` reads the same settings from a file (load/settings-file.ts); the
 * command line wins over it. Help lists the options in DSBulk's sections.
 */

import { Command, Option } from 'commander';
import { ConfigError } from '../../runtime/errors.ts';
import { addConnectionOptions, resolvePassword } from '../connection-options.ts';
import { DSBULK_NAMES, normaliseArgs, spelled } from './argv.ts';
import { type LoadArgs, resolveLoadOptions } from './options.ts';
import { EXIT } from './report.ts';
import { messageOf, runLoad } from './run.ts';
import {
  applySettings,
  type FileSetting,
  locateError,
  readSettingsFile,
  type SettingsFile,
} from './settings-file.ts';

const HELP_AFTER = `
Inputs (-url): a file, a directory (files named *.csv or *.csv.gz; -c json: *.json, *.jsonl
and .gz; --recursive to descend), a glob ('data/**/*.csv', '{a,b}.csv'), several of these
comma-separated, or - for stdin. Gzip is recognised by its content, whatever the name; a
gzip file is read whole by one reader, plain files are split across all of them.

Mapping (-m), DSBulk's syntax, field = column:
  -m '*=*'                      every column from the field of the same name (the default)
  -m 'user_id = id, full = name' field user_id to column id, field full to column name
  -m '0=id, 2=name'             with -header false, fields by position
  -m 'id, name'                 with -header false: field 0 to id, field 1 to name
  -m '* = *, full = name'       every column by name, but name from field full
  -m '* = [-notes, -tags]'      every column by name except notes and tags (left untouched)
  -m '*=*, now() = loaded_at'   loaded_at filled by Cassandra: now(), uuid(), currentTimestamp(),
                                toTimestamp(now()), currentDate(), toUnixTimestamp(now()), …
  -m '*=*, t = __ttl, w = __timestamp'  field t is the row's TTL (seconds), field w its
                                write time (ISO date-time, or milliseconds since the epoch)
Columns not mapped are not written; every primary key column must be mapped.

Custom statement (-query): an INSERT or UPDATE whose :name markers take the fields of their
names (or as -m says, field = name); ? takes the field of its column's name.
  -query 'UPDATE app.hits SET n = n + :n WHERE page = :page'   (a counter table: values add up)
  -query 'INSERT INTO app.users (id, name, seen) VALUES (:id, :name, now()) USING TTL 86400'
A counter table without -query is written as UPDATE … SET c = c + ? for every counter.
-ttl and -timestamp apply to every row (not with -query: put USING in it).

Nulls: a CSV field equal to --nullValue (default: the empty field) is null. A null leaves its
column as it is, with no tombstone (--nullToUnset true, DSBulk's default); with
--nullToUnset false it is written as null, deleting what was there.
Bad records never stop a load (unless more than -maxErrors): each goes to a bad file with
its "_source" (file:line) and "_error", and the load reads on. Every load writes DSBulk's
log directory, logs/LOAD_<timestamp>/ (--log.directory to move it): connector.bad holds
records that could not be read (wrong field count, a stray or unterminated quote, invalid
UTF-8, over 16 MiB, a field over -maxCharsPerColumn), mapping.bad rows that did not
convert, load.bad rows Cassandra refused after retries; each with a -errors.log, plus
operation.log and summary.json. The .bad files are JSON Lines of the rows' fields: fix them
and load them again with -url logs/LOAD_.../mapping.bad -c json. At the end, written + bad =
read, and the summary says so.

Throttles, for loads that must not disturb production, each for the whole load (the sink's
instances share it equally): -maxConcurrentQueries caps the requests in flight, a ceiling
on the adaptive per-host windows; --executor.maxPerSecond caps the rows sent per second and
--executor.maxBytesPerSecond the bytes of their values. A retry is sent, so it counts too.
Timeouts, Overloaded and Unavailable are retried with backoff; a row they hit is bad, and
counts against -maxErrors, only once its retries run out. The summary counts them apart.

Cluster: -h, else CASSANDRA_CONTACT_POINTS, else the local cluster in .sluice/cassandra
(started when it is not running). Password: -p or SLUICE_PASSWORD (preferred: a command
line is visible to other local users). The password never appears in any output.

Spellings: every option may be written with one dash, as DSBulk writes them (-url, -maxErrors,
-dryRun true), or by its DSBulk setting in brackets (--schema.keyspace ks, also
--dsbulk.schema.keyspace; --datastax-java-driver.basic.contact-points h1,h2).

Settings file (-f load.json): DSBulk's settings for loads run again and again, as JSON with
comments in the shape of DSBulk's application.conf (HOCON files are not read). Keys nest or
take dots; this command's own options go in a "sluice" block; the command line wins.
  { "dsbulk": { "connector.csv.url": "users.csv", "schema": { "keyspace": "app", "table": "users" } },
    "datastax-java-driver": { "basic.contact-points": ["10.0.0.1", "10.0.0.2:9043"] },
    "sluice": { "workers": 4 } }
A password may be kept there (advanced.auth-provider.password); it is never printed.

Exit codes (as DSBulk's): 0 ok; 1 finished with bad rows within -maxErrors; 2 more bad
rows than -maxErrors; 3 fatal (bad option, missing table, unreachable host, bad header);
4 interrupted.

Examples:
  sluice load -url users.csv -k app -t users
  sluice load -url 'exports/*.csv.gz' -k app -t users -h 10.0.0.1,10.0.0.2:9043 -cl LOCAL_ONE
  cat events.jsonl | sluice load -url - -c json -k app -t events -maxErrors 1% -dryRun true`;

/** The option of `-f`, kept out of `LoadArgs`: the file's settings arrive as the options they set. */
interface SettingsArg {
  settings?: string;
}

/** Rewrites DSBulk-style arguments before commander parses them. */
class LoadCommand extends Command {
  override parseOptions(args: string[]) {
    let normalised: string[];
    try {
      normalised = normaliseArgs(args, this.options);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Through commander, so its exit handling (exit 3, as DSBulk's) applies.
      return this.error(`sluice load: ${error.message}`, {
        exitCode: EXIT.fatal,
        code: 'sluice.load.usage',
      });
    }
    return super.parseOptions(normalised);
  }
}

/** DSBulk's sections of settings, in its order: the groups of `sluice load --help`. */
const SECTIONS = {
  options: 'Options:',
  connector: 'Connector (the input; DSBulk: connector.*):',
  schema: 'Schema (the table and the mapping; DSBulk: schema.*):',
  engine: 'Engine and executor (DSBulk: engine.*, executor.*):',
  log: 'Log (errors and reports; DSBulk: log.*):',
  driver: 'Driver (the connection; DSBulk: datastax-java-driver.*):',
} as const;

/** The section of options that have no DSBulk setting to say where they belong. */
const OWN_SECTION: Record<string, keyof typeof SECTIONS> = {
  settings: 'options',
  extensions: 'connector',
  workers: 'engine',
  report: 'log',
  badFile: 'log',
  'password-file': 'driver',
  tls: 'driver',
  'tls-ca': 'driver',
};

function sectionOf(long: string): keyof typeof SECTIONS {
  const setting = DSBULK_NAMES[long]?.find((name) => name.includes('.'));
  switch (setting?.split('.')[0]) {
    case 'connector':
      return 'connector';
    case 'schema':
      return 'schema';
    case 'engine':
    case 'executor':
      return 'engine';
    case 'log':
      return 'log';
    case 'driver':
      return 'driver';
    default:
      return OWN_SECTION[long] ?? 'options';
  }
}

/**
 * Puts each option in its DSBulk section and appends its DSBulk names to its description, so
 * `--help` shows every option, from the same table the parser reads, whoever added it.
 */
function groupForHelp(command: Command): void {
  for (const option of command.options) {
    const long = option.long?.slice(2);
    if (long === undefined) continue;
    option.helpGroup(SECTIONS[sectionOf(long)]);
    // DSBulk's shortcuts and settings; not the short flag commander shows, nor kebab spellings.
    const names = (DSBULK_NAMES[long] ?? []).filter(
      (n) => n.includes('.') || (!n.includes('-') && option.short !== `-${n}`),
    );
    if (names.length > 0) option.description += ` [${names.map(spelled).join(', ')}]`;
  }
  // Help shows the groups in the order their first option comes: sort by section (stable).
  const order: string[] = Object.values(SECTIONS);
  const rank = (option: Option) => order.indexOf(option.helpGroupHeading ?? SECTIONS.options);
  (command.options as Option[]).sort((a, b) => rank(a) - rank(b));
}

export function loadCommand(): Command {
  const command = new LoadCommand('load')
    .description('load CSV or JSON Lines files into a Cassandra table (the job DSBulk does)')
    .helpOption('--help', 'display help for load')
    .option(
      '-f, --settings <file>',
      'read settings from this JSON file, as DSBulk reads application.conf (see below)',
    )
    .option('--url <inputs>', 'files, directories, globs (comma-separated), or - for stdin')
    .option('-k, --keyspace <name>', 'keyspace')
    .option('-t, --table <name>', 'table')
    .addOption(
      new Option('-c, --connector <name>', 'input format').choices(['csv', 'json', 'jsonl']),
    )
    .option('--header <true|false>', 'CSV: the first line names the fields (default true)')
    .option('--delim <text>', 'CSV field delimiter (default ",", \\t for tab)')
    .option('--nullValue <text>', 'CSV: the field that means null (default: empty)')
    .option('--quote <char>', 'CSV: the quote character (default ")')
    .option(
      '--escape <char>',
      'CSV: escapes a quote inside a quoted field (default: the quote itself, RFC 4180; DSBulk: \\)',
    )
    .option('--comment <char>', 'CSV: a line starting with it is skipped (default: none)')
    .option(
      '--ignoreLeadingWhitespaces [true|false]',
      'CSV: spaces and tabs at the start of a field are dropped (default false)',
    )
    .option(
      '--maxCharsPerColumn <n>',
      'CSV: a longer field makes its record bad; -1: no limit (default; DSBulk: 4096)',
    )
    .option('--skipRecords <n>', 'records skipped at the start of each file (default 0)')
    .option('--maxRecords <n>', 'records read from each file at most; -1: all (default)')
    .option('-m, --mapping <spec>', "field=column pairs, or '*=*' (see below)")
    .option(
      '--query <cql>',
      'a custom INSERT or UPDATE with :name bind markers (counter tables: SET c = c + :c); -k and -t default to its table',
    )
    .option('--ttl <seconds>', 'TTL of every row written, in seconds; -1 for none (default)')
    .option(
      '--timestamp <date-time>',
      'write time of every row: an ISO date-time (to the microsecond; UTC without a zone)',
    )
    .option(
      '--nullToUnset [true|false]',
      'a null field leaves its column as it is, writing no tombstone; false writes null (default true)',
    )
    .option(
      '--maxErrors <n|n%>',
      'bad rows tolerated: a count or a percentage; -1: no limit (default 100)',
    )
    .option(
      '--allowMissingFields [true|false]',
      'a table column the input has no field for is left unset instead of failing (default false)',
    )
    .option(
      '--allowExtraFields [true|false]',
      'a field with no table column is ignored with a warning; false fails the load (default true)',
    )
    .option('--dryRun [true|false]', 'read and convert everything, write nothing')
    .option(
      '--maxConcurrentQueries <n|NC|AUTO>',
      'requests in flight at once, over the whole load (a batch is one); NC: N × cores (default AUTO: the adaptive windows decide)',
    )
    .option(
      '--maxPerSecond <rows>',
      'rows sent per second, over the whole load; -1: no limit (default)',
    )
    .option(
      '--maxBytesPerSecond <bytes>',
      'bytes of values sent per second, over the whole load (512K, 10MB); -1: no limit (default)',
    )
    .option('--recursive [true|false]', 'directories: read subdirectories too')
    .option(
      '--extensions <list>',
      'directories: file name endings to read, comma-separated; * for all',
    )
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--report <file.json>', 'write the summary as JSON here')
    .option(
      '--logDirectory <dir>',
      'each load writes LOAD_<timestamp>/ here: bad files, errors, summary (default ./logs)',
    )
    .option(
      '--badFile <path>',
      'JSON Lines file of bad rows (default .sluice/bad/<ks>.<table>.jsonl)',
    );
  addConnectionOptions(command);
  command.addHelpText('after', HELP_AFTER).action(async (options: LoadArgs & SettingsArg) => {
    let plan: ReturnType<typeof resolveLoadOptions>;
    let file: SettingsFile | undefined;
    let fromFile = new Map<string, FileSetting>();
    try {
      if (options.settings !== undefined) {
        file = await readSettingsFile(options.settings, command.options);
        fromFile = applySettings(command, options as Record<string, unknown>, file);
      }
      if (options.passwordFile !== undefined) options.password = await resolvePassword(options);
      plan = resolveLoadOptions(options);
    } catch (error) {
      // Reported here rather than thrown to main.ts, whose exit code is 1: DSBulk's is 3.
      const located = locateError(error, file, fromFile, command.options);
      process.stderr.write(`sluice load: ${messageOf(located)}\n`);
      process.exitCode = EXIT.fatal;
      return;
    }
    process.exitCode = await runLoad(plan);
  });
  groupForHelp(command);
  command.exitOverride((error) => {
    // Commander's own errors (unknown option, missing value) exit 3 too, after its message.
    if (error.exitCode !== 0) process.exit(EXIT.fatal);
    process.exit(0);
  });
  return command;
}
