import { Command } from 'commander';

import { accountCommand } from './commands/account/account.js';
import { loginCommand } from './commands/auth/login.js';
import { logoutCommand } from './commands/auth/logout.js';
import { registerCommand } from './commands/auth/register.js';
import { statusCommand } from './commands/auth/status.js';
import { whoamiCommand } from './commands/auth/whoami.js';
import { cartCommand } from './commands/cart/cart.js';
import { configCommand } from './commands/config/config.js';
import { prefsCommand } from './commands/prefs/prefs.js';
import { checkoutCommand } from './commands/checkout/checkout.js';
import { ordersCommand } from './commands/orders/orders.js';
import { productsCommand } from './commands/products/list.js';
import { queueCommand } from './commands/queue/queue.js';
import { syncCommand } from './commands/sync/sync.js';
import type { DepsProvider, GlobalOptions } from './deps.js';
import { completeCommand, completionCommand } from './commands/completion.js';
import { ExitCode } from './errors.js';
import { EXAMPLES, HELP_FOOTER, helpCommand, shortHelp } from './help.js';
import { commandPath, describeUsageError } from './usage-errors.js';
import type { Io } from './io.js';
import { DEFAULT_SERVER } from './server-url.js';
import { DEFAULT_TIMEOUT_SECONDS } from './api/time-budget.js';
import { parseTimeout } from './args.js';

export interface ProgramOptions {
  deps: DepsProvider;
  version: string;
  io: Io;
  /** Receives the parsed global options before any command runs, so deps can be built from them. */
  onGlobals: (globals: GlobalOptions) => void;
}

/**
 * The commander tree. Commander never exits the process or writes to the real streams: `exitOverride()` makes it
 * throw a CommanderError (help, version and usage errors alike) and `configureOutput()` sends its text to the
 * injected streams, so cli/run.ts decides the exit code and tests can check all of it in-process.
 */
export function buildProgram({ deps, version, io, onGlobals }: ProgramOptions): Command {
  const program = new Command('shop')
    .description('Shop from the command line: browse products, fill your cart, keep preferences.')
    .version(version, '-V, --version', 'print the version')
    .option('--server <url>', `the shop server (default: SHOP_SERVER, then shop config, then ${DEFAULT_SERVER})`)
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--no-color', 'turn colour off')
    .option('--debug', 'log HTTP requests, and show stack traces for unexpected errors')
    .option('--online', 'never queue a change or show a saved copy: exit 3 when the server cannot be reached')
    .option('--timeout <seconds>', `wait at most this long for the server, retries included (default: SHOP_TIMEOUT, then ${DEFAULT_TIMEOUT_SECONDS})`, parseTimeout)
    .helpCommand(false)
    .addHelpText('after', HELP_FOOTER)
    .argument('[command]')
    .hook('preAction', (_program, command) => onGlobals(command.optsWithGlobals<GlobalOptions>()))
    .addCommand(registerCommand(deps))
    .addCommand(loginCommand(deps))
    .addCommand(logoutCommand(deps))
    .addCommand(whoamiCommand(deps))
    .addCommand(statusCommand(deps))
    .addCommand(accountCommand(deps))
    .addCommand(productsCommand(deps))
    .addCommand(cartCommand(deps))
    .addCommand(checkoutCommand(deps))
    .addCommand(ordersCommand(deps))
    .addCommand(prefsCommand(deps))
    .addCommand(syncCommand(deps))
    .addCommand(queueCommand(deps))
    .addCommand(configCommand(deps))
    .addCommand(completionCommand(deps))
    .action((verb: string | undefined, _options: unknown, command: Command) => {
      // Bare `shop`: what there is to do, in one screen, on stdout.
      if (verb === undefined) {
        io.stdout.write(shortHelp(command));
        return;
      }
      command.error(`error: unknown command '${verb}'`, { code: 'commander.unknownCommand', exitCode: ExitCode.usage });
    });
  program.addCommand(helpCommand(program));
  program.addCommand(completeCommand(deps, () => program), { hidden: true });

  // addCommand() does not pass settings down the way command() does, so apply them to every command.
  forEachCommand(program, (command) => {
    command
      .exitOverride()
      .helpOption('-h, --help', 'show help')
      .configureHelp({ showGlobalOptions: command !== program, sortSubcommands: false })
      .configureOutput({
        writeOut: (text) => io.stdout.write(text),
        writeErr: (text) => io.stderr.write(text),
        outputError: (text) => io.stderr.write(`${describeUsageError(command, text)}\n`),
      })
      .showSuggestionAfterError(false);
    const examples = EXAMPLES[commandPath(command)];
    if (examples !== undefined && command !== program) {
      command.addHelpText('after', `\nExamples:\n${examples.map((line) => `  ${line}`).join('\n')}\n`);
    }
  });
  return program;
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const child of command.commands) {
    forEachCommand(child, visit);
  }
}


