/** Commander's view of a `sluice load` command line, for the option tests. */

import { loadCommand } from '../../../cli/load/command.ts';
import type { LoadArgs } from '../../../cli/load/options.ts';

/** What commander hands the action for these arguments, through the real command. */
export async function parsed(args: string[]): Promise<LoadArgs> {
  const command = loadCommand();
  let seen: LoadArgs | undefined;
  command.action((options: LoadArgs) => {
    seen = options;
  });
  command.exitOverride();
  command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await command.parseAsync(args, { from: 'user' });
  return seen!;
}
