/**
 * `sluice load -url data.csv -k ks -t table [-h host[:port],…] [options]`: the bulk loader,
 * with DSBulk's option names. main.ts adds it with `loadCommand()`.
 *
 * DSBulk spells long options with one dash and has dotted long names; `LoadCommand` rewrites
 * them (see load/argv.ts) before commander parses. As in DSBulk, `-h` names hosts, so help
 * is `--help` only.
 */

import { Command, Option } from 'commander';
import { addConnectionOptions, resolvePassword } from '../connection-options.ts';
import { normaliseArgs } from './argv.ts';
import { type LoadArgs, resolveLoadOptions } from './options.ts';
import { EXIT } from './report.ts';
import { messageOf, runLoad } from './run.ts';

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
Columns not mapped are not written; every primary key column must be mapped.

Nulls: a CSV field equal to --nullValue (default: the empty field) is written as null.
Rows that cannot be converted or written go to the bad file (--badFile, JSON Lines), each
with its "_source": "file:line" and the reason. A malformed file (unterminated quote,
wrong field count, invalid UTF-8) stops the load with the file and line.

Cluster: -h, else CASSANDRA_CONTACT_POINTS, else the local cluster in .sluice/cassandra
(started when it is not running). Password: -p or SLUICE_PASSWORD (preferred: a command
line is visible to other local users). The password never appears in any output.

Exit codes (as DSBulk's): 0 ok; 1 finished with bad rows within -maxErrors; 2 more bad
rows than -maxErrors; 3 fatal (bad option, missing table, unreachable host, malformed file);
4 interrupted.

Examples:
  sluice load -url users.csv -k app -t users
  sluice load -url 'exports/*.csv.gz' -k app -t users -h 10.0.0.1,10.0.0.2:9043 -cl LOCAL_ONE
  cat events.jsonl | sluice load -url - -c json -k app -t events -maxErrors 1% -dryRun true`;

/** Rewrites DSBulk-style arguments before commander parses them. */
class LoadCommand extends Command {
  override parseOptions(args: string[]) {
    return super.parseOptions(normaliseArgs(args));
  }
}

export function loadCommand(): Command {
  const command = new LoadCommand('load')
    .description('load CSV or JSON Lines files into a Cassandra table (the job DSBulk does)')
    .helpOption('--help', 'display help for load')
    .option('--url <inputs>', 'files, directories, globs (comma-separated), or - for stdin')
    .option('-k, --keyspace <name>', 'keyspace')
    .option('-t, --table <name>', 'table')
    .addOption(
      new Option('-c, --connector <name>', 'input format (--connector.name)').choices([
        'csv',
        'json',
        'jsonl',
      ]),
    )
    .option('--header <true|false>', 'CSV: the first line names the fields (default true)')
    .option('--delim <text>', 'CSV field delimiter (default ",", \\t for tab)')
    .option('--nullValue <text>', 'CSV: the field that means null (default: empty)')
    .option('-m, --mapping <spec>', "field=column pairs, or '*=*' (see below)")
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
    .option('--recursive [true|false]', 'directories: read subdirectories too')
    .option(
      '--extensions <list>',
      'directories: file name endings to read, comma-separated; * for all',
    )
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--report <file.json>', 'write the summary as JSON here')
    .option(
      '--badFile <path>',
      'JSON Lines file of bad rows (default .sluice/bad/<ks>.<table>.jsonl)',
    );
  addConnectionOptions(command);
  command.addHelpText('after', HELP_AFTER).action(async (options: LoadArgs) => {
    let plan: ReturnType<typeof resolveLoadOptions>;
    try {
      if (options.passwordFile !== undefined) options.password = await resolvePassword(options);
      plan = resolveLoadOptions(options);
    } catch (error) {
      // Reported here rather than thrown to main.ts, whose exit code is 1: DSBulk's is 3.
      process.stderr.write(`sluice load: ${messageOf(error)}\n`);
      process.exitCode = EXIT.fatal;
      return;
    }
    process.exitCode = await runLoad(plan);
  });
  command.exitOverride((error) => {
    // Commander's own errors (unknown option, missing value) exit 3 too, after its message.
    if (error.exitCode !== 0) process.exit(EXIT.fatal);
    process.exit(0);
  });
  return command;
}
