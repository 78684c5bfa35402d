import { Command, InvalidArgumentError } from 'commander';

import { COMPLETE_COMMAND, completeWords } from '../completion/candidates.js';
import { COMPLETION_SCRIPTS, type Shell } from '../completion/scripts.js';
import type { CommandDeps, DepsProvider } from '../deps.js';
import { findAccount } from '../offline/accounts.js';
import { SETTING_KEYS } from '../store/settings.js';

/** `shop completion bash|zsh|fish`: the script to load into the shell. */
export function completionCommand(deps: DepsProvider): Command {
  return new Command('completion')
    .description('print the shell completion script for bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish', parseShell)
    .action((shell: Shell) => {
      deps().io.stdout.write(COMPLETION_SCRIPTS[shell]);
    });
}

/**
 * `shop __complete -- WORD…`: the candidates for the last word, one per line; what the scripts call on Tab. Reads
 * only local files, and prints nothing rather than an error: a completion must never get in the way.
 */
export function completeCommand(deps: DepsProvider, program: () => Command): Command {
  return new Command(COMPLETE_COMMAND)
    .argument('[words...]')
    .allowUnknownOption(true)
    .helpOption(false)
    .action((words: string[]) => {
      let candidates: string[] = [];
      let io: CommandDeps['io'] | undefined;
      try {
        const found = deps();
        io = found.io;
        candidates = completeWords(program(), words.length === 0 ? [''] : words, savedValues(found));
      } catch {
        // Broken files, no login: no candidates.
      }
      if (io !== undefined && candidates.length > 0) {
        io.stdout.write(`${candidates.join('\n')}\n`);
      }
    });
}

function savedValues(deps: CommandDeps) {
  const server = deps.server().url;
  const { cache } = deps.offline();
  const account = () => findAccount({ server, config: deps.config, envToken: deps.envToken });
  return {
    skus() {
      const catalog = cache.catalog(server);
      const found = account();
      const cart = found === undefined ? [] : (cache.account(found).cart?.value.lines.map((line) => line.sku) ?? []);
      const listed = Object.values(catalog.pages).flatMap((page) => page.value.items.map((product) => product.sku));
      return [...Object.keys(catalog.products), ...listed, ...cart];
    },
    preferenceKeys() {
      const found = account();
      return found === undefined ? [] : Object.keys(cache.account(found).preferences?.value.preferences ?? {});
    },
    settingKeys: SETTING_KEYS,
  };
}

function parseShell(text: string): Shell {
  if (text !== 'bash' && text !== 'zsh' && text !== 'fish') {
    throw new InvalidArgumentError('the shell is bash, zsh or fish.');
  }
  return text;
}
