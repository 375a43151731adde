/**
 * `sluice cql`: runs CQL statements, so that creating a keyspace or a table needs no cqlsh
 * (which a Node user does not have). `-e` takes statements on the command line, `-f` a file of
 * them (`;`-separated, comments allowed); both may be given, `-f` first. Statements run in
 * order and the first error stops the script, naming the statement's line. Rows of a SELECT
 * are printed as a table. The connection flags and the cluster it finds are those of `load`
 * and `bench`.
 */

import { readFile } from 'node:fs/promises';
import type { types } from 'cassandra-driver';
import { Command } from 'commander';
import { connect } from '../connectors/cassandra/client.ts';
import { resolveConnection } from '../connectors/cassandra/config.ts';
import { type CqlStatement, splitCql } from '../connectors/cassandra/cql-script.ts';
import { ConfigError } from '../runtime/errors.ts';
import {
  addConnectionOptions,
  type ConnectionArgs,
  resolveConnectionArgs,
  resolvePassword,
  resolveTarget,
} from './connection-options.ts';
import { messageOf } from './load/run.ts';

interface CqlArgs extends ConnectionArgs {
  execute?: string;
  file?: string;
}

/** Rows printed of one SELECT; the rest are counted. */
const MAX_PRINTED_ROWS = 1000;

export function cqlCommand(): Command {
  const command = new Command('cql')
    .description('run CQL statements (CREATE KEYSPACE, CREATE TABLE, SELECT …) without cqlsh')
    .helpOption('--help', 'display help for cql')
    .option('-e, --execute <statements>', 'statements to run, separated by ;')
    .option('-f, --file <path>', 'a file of statements separated by ; (comments allowed)');
  addConnectionOptions(command);
  return command.action(async (args: CqlArgs) => {
    process.exitCode = await runCql(args);
  });
}

async function runCql(args: CqlArgs): Promise<number> {
  const io = { env: process.env, stderr: process.stderr };
  let statements: (CqlStatement & { where: string })[];
  let client: Awaited<ReturnType<typeof connect>>;
  try {
    statements = await readStatements(args);
    const password = await resolvePassword(args);
    const plan = resolveConnectionArgs({ ...args, password }, process.env);
    client = await connect(resolveConnection(await resolveTarget(plan, io, 'cql')), {
      retries: 'driver',
      onWarning: (message) => process.stderr.write(`sluice cql: warning: ${message}\n`),
    });
  } catch (error) {
    process.stderr.write(`sluice cql: ${messageOf(error)}\n`);
    return 1;
  }
  try {
    for (const statement of statements) {
      try {
        const result = await client.execute(statement.text);
        process.stdout.write(formatResult(result));
      } catch (error) {
        process.stderr.write(
          `sluice cql: ${statement.where}, line ${statement.line}: ${messageOf(error)}\n`,
        );
        return 1;
      }
    }
    return 0;
  } finally {
    await client.shutdown();
  }
}

async function readStatements(args: CqlArgs): Promise<(CqlStatement & { where: string })[]> {
  const statements: (CqlStatement & { where: string })[] = [];
  if (args.file !== undefined) {
    let text: string;
    try {
      text = await readFile(args.file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `-f ${args.file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { details: { option: 'file' } },
      );
    }
    for (const s of splitCql(text)) statements.push({ ...s, where: args.file });
  }
  if (args.execute !== undefined) {
    for (const s of splitCql(args.execute)) statements.push({ ...s, where: '-e' });
  }
  if (statements.length === 0) {
    throw new ConfigError('give statements with -e "…" or a file of them with -f', {
      details: { option: 'execute' },
    });
  }
  return statements;
}

/** Rows as an aligned table, cqlsh-like; a statement without rows prints nothing. */
export function formatResult(result: types.ResultSet): string {
  const columns = result.columns?.map((c) => c.name) ?? [];
  if (columns.length === 0) return '';
  const shown = result.rows.slice(0, MAX_PRINTED_ROWS);
  const cells = shown.map((row) => columns.map((name) => showCell(row.get(name))));
  const widths = columns.map((name, i) =>
    Math.max(name.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (values: string[]) => ` ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')}`;
  const lines = [
    line(columns),
    `-${widths.map((w) => '-'.repeat(w)).join('-+-')}-`,
    ...cells.map(line),
    '',
    `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${
      result.rows.length > shown.length ? `, ${shown.length} shown` : ''
    }${result.pageState ? '; more pages not fetched' : ''})`,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

function showCell(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (typeof value === 'object' && value.constructor === Object) return JSON.stringify(value);
  return String(value);
}
