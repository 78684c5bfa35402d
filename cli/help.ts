import { Command } from 'commander';

import { ExitCode } from './errors.js';

/** Printed after `shop --help`; the README's exit-code table says the same. */
export const HELP_FOOTER = `
Exit codes:
  0    success (a change queued while offline is a success too)
  1    failure: the server refused the request or answered with an error; or it could not be reached and there is
       no saved copy to show; or \`shop sync\` sent changes the server refused
  2    usage error: unknown command, bad arguments, or a missing flag such as --yes
  3    the server could not be reached, and the command needs it: --online was given, or it is register, login,
       logout --all, status or sync; nothing was queued, and nothing already queued was lost — try again later
  4    authentication required: run \`shop login\`
  130  interrupted at a prompt (Ctrl-C)

Offline:
  When the server cannot be reached, changes to your cart and preferences are queued (stderr says "queued") and
  sent, in order and each exactly once, by \`shop sync\` or before the next command that reaches the server. Reads
  show the copy saved by the last successful one, with queued changes applied, marked stale on stderr; with --json
  look at "source" ("server" or "cache") and "asOf". \`shop queue\` lists what waits and what the server refused.
  Queued changes belong to the user and server they were made for, and survive an expired login.

Output:
  On a terminal you get tables and prompts. When stdout is not a terminal, data is printed as tab-separated lines
  with stable columns; with --json, as exactly one JSON document. Data goes to stdout, messages to stderr.

Environment:
  SHOP_SERVER      server URL; --server wins over it, it wins over \`shop config set server\`
  SHOP_TOKEN       an access token to use instead of the stored login (never refreshed)
  SHOP_TIMEOUT     seconds a command may wait for the server in all, retries included (default 15)
  SHOP_CREDENTIAL_STORE  auto (the OS keyring when there is one, else the 0600 file), keyring or file
  SHOP_CONFIG_DIR  where settings, credentials, the outbox and saved copies are kept (default: your user config
                   directory)
  NO_COLOR         set to anything to turn colour off (so does TERM=dumb)

Examples:
  shop login --email ada@example.com                      # asks for the password
  printf '%s\\n' "$PASSWORD" | shop login --email ada@example.com --password-stdin
  shop products mug --json | jq -r '.items[].sku'
  printf 'MUG-BLUE 2\\nTEE-BLACK\\n' | shop cart add -
  shop cart clear --yes
  shop sync && shop queue
`;

/** Shown under each command's help, keyed by its full path. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  'shop register': ['shop register                                # asks for email and password (twice)', "printf '%s\\n' \"$PASSWORD\" | shop register --email ada@example.com --password-stdin"],
  'shop login': ['shop login --email ada@example.com           # asks for the password', 'echo "$TOKEN" | shop login --with-token'],
  'shop logout': ['shop logout', 'shop logout --all                            # every login of the account, on every machine'],
  'shop status': ['shop status', 'shop status --json | jq .login'],
  'shop products': ['shop products', 'shop products enamel mug', 'shop products --limit 10 --offset 10', "shop products mug --json | jq -r '.items[].sku'"],
  'shop products show': ['shop products show MUG-BLUE'],
  'shop cart': ['shop cart', 'shop cart --json | jq .subtotal'],
  'shop cart add': ['shop cart add MUG-BLUE', 'shop cart add mug-blue 3                     # SKUs are taken in any case', "printf 'MUG-BLUE 2\\nTEE-BLACK-M\\n' | shop cart add -"],
  'shop cart set': ['shop cart set MUG-BLUE 5', 'shop cart set MUG-BLUE 0                     # removes the line'],
  'shop cart remove': ['shop cart remove MUG-BLUE', 'shop cart rm MUG-BLUE'],
  'shop cart clear': ['shop cart clear                              # asks first', 'shop cart clear --yes'],
  'shop prefs': ['shop prefs', 'shop prefs --json'],
  'shop prefs get': ['shop prefs get locale', 'currency=$(shop prefs get currency)'],
  'shop prefs set': ['shop prefs set locale en-GB', 'shop prefs set newsletter true', 'shop prefs set nickname \'"42"\'                 # the text 42, not a number'],
  'shop prefs unset': ['shop prefs unset locale'],
  'shop account password': ['shop account password                        # asks for the current one, then the new one twice', "printf '%s\\n%s\\n' \"$OLD\" \"$NEW\" | shop account password --password-stdin"],
  'shop account delete': ['shop account delete                          # asks for the email to be typed back, then the password', "printf '%s\\n' \"$PASSWORD\" | shop account delete --yes --password-stdin"],
  'shop account export': ['shop account export > me.json'],
  'shop checkout': ['shop checkout                                # shows the cart and total, then asks', 'shop checkout --yes --json | jq .id'],
  'shop orders': ['shop orders', 'shop orders --limit 5 --json'],
  'shop orders show': ['shop orders show "$(shop orders --json | jq -r \'.items[0].id\')"'],
  'shop sync': ['shop sync', 'shop sync --verbose                          # a line per change', 'shop sync || shop queue'],
  'shop queue': ['shop queue', 'shop queue retry', 'shop queue drop 3'],
  'shop config': ['shop config list', 'shop config set server https://shop.example.com'],
  'shop completion': ['source <(shop completion bash)                # this shell', "shop completion bash > ~/.local/share/bash-completion/completions/shop", 'shop completion zsh > "${fpath[1]}/_shop"', 'shop completion fish > ~/.config/fish/completions/shop.fish'],
};

/** What bare `shop` prints: the commands, and where to read more. One screen. */
export function shortHelp(program: Command): string {
  const commands = program.commands.filter((command) => command.name() !== 'help' && !(command as unknown as { _hidden?: boolean })._hidden);
  const width = Math.max(...commands.map((command) => command.name().length));
  const lines = commands.map((command) => `  ${command.name().padEnd(width)}  ${firstClause(command.description())}`);
  return [
    `${program.description()}`,
    '',
    'Usage: shop <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `shop help` for the global options, exit codes and environment, and `shop help <command>` (or',
    '`shop <command> --help`) for a command\'s options and examples.',
    '',
  ].join('\n');
}

function firstClause(description: string): string {
  return description.split(/[;(]/)[0]?.trim() ?? description;
}

/** `shop help [command…]`: the help of `shop`, or of the command named, on stdout. */
export function helpCommand(program: Command): Command {
  return new Command('help')
    .description('show help for shop or for a command, e.g. shop help cart add')
    .argument('[command...]', 'the command')
    .action((words: string[]) => {
      let target = program;
      for (const word of words) {
        const next = target.commands.find((command) => command.name() === word || command.aliases().includes(word));
        if (next === undefined) {
          target.error(`error: unknown command '${word}'`, { code: 'commander.unknownCommand', exitCode: ExitCode.usage });
        }
        target = next as Command;
      }
      // On stdout, through the command's configured output, with the examples and footer added to it.
      target.outputHelp();
    });
}
