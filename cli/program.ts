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
import { HELP_FOOTER } from './help.js';
import type { Io } from './io.js';
import { DEFAULT_SERVER } from './server-url.js';

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
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .addHelpText('after', HELP_FOOTER)
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
    .addCommand(configCommand(deps));

  // addCommand() does not pass settings down the way command() does, so apply them to every command.
  forEachCommand(program, (command) => {
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.stdout.write(text),
        writeErr: (text) => io.stderr.write(text),
      })
      .showSuggestionAfterError(true)
      .showHelpAfterError(`(run "${commandPath(command)} --help" for usage)`);
  });
  return program;
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const child of command.commands) {
    forEachCommand(child, visit);
  }
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) {
    names.unshift(current.name());
  }
  return names.join(' ');
}
