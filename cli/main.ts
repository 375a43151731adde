/**
 * The `sluice` command line. Each command group lives in its own module, which exports a
 * factory returning a commander `Command`; adding a group is one line in `commandModules`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { SluiceError } from '../runtime/errors.ts';
import { benchCommand } from './bench/command.ts';
import { cassandraCommand } from './cassandra.ts';
import { cqlCommand } from './cql.ts';
import { demoCommand } from './demo.ts';
import { loadCommand } from './load/command.ts';
import { runCommand } from './run.ts';

const commandModules: Array<() => Command> = [
  cassandraCommand,
  runCommand,
  loadCommand,
  benchCommand,
  cqlCommand,
  demoCommand,
];

export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('a streaming runtime for Node.js, with token-aware Cassandra connectors')
    .showHelpAfterError();
  for (const factory of commandModules) program.addCommand(factory());
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // A SluiceError's message is written for the user; anything else is a bug, so show the stack.
    const text =
      error instanceof SluiceError
        ? `sluice: ${error.message} [${error.code}]`
        : `sluice: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    process.stderr.write(`${text}\n`);
    process.exitCode = 1;
  }
}

/** True when this module is the process's entry (`tsx cli/main.ts`); bin/sluice.js calls main(). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Importing this module (a test, another tool) must not parse that process's argv.
if (isEntry()) await main();
