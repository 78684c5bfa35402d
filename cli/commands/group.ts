import { Command } from 'commander';

import { ExitCode } from '../errors.js';

/**
 * A noun such as `cart` whose bare form runs its default verb (`shop cart` = `shop cart list`). Anything else in
 * the verb position is an unknown command — a usage error naming it — rather than an argument for the default verb.
 */
export function commandGroup(name: string, description: string, runDefault: () => Promise<void>): Command {
  return new Command(name)
    .description(description)
    .usage('[command]')
    .argument('[command]')
    .action(async (verb: string | undefined, _options: unknown, command: Command) => {
      if (verb !== undefined) {
        command.error(`error: unknown command '${verb}'`, {
          code: 'commander.unknownCommand',
          exitCode: ExitCode.usage,
        });
      }
      await runDefault();
    });
}
