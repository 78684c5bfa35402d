import type { Command, Option } from 'commander';

/** The values completion offers for arguments, from what is on disk: never the network. */
export interface CompletionValues {
  /** SKUs from the saved catalogue pages, products and cart. */
  skus(): string[];
  /** Keys of the saved preferences. */
  preferenceKeys(): string[];
  settingKeys: readonly string[];
}

/** The name of the hidden command the shell scripts call: `shop __complete -- WORD… CURRENT`. */
export const COMPLETE_COMMAND = '__complete';

const SHELLS = ['bash', 'zsh', 'fish'];

/**
 * What may come next on a command line: `words` are the words after `shop`, the last one being the word under the
 * cursor (empty when a new word is started). Subcommands, options (global ones included) and argument values that
 * start with the current word.
 */
export function completeWords(program: Command, words: readonly string[], values: CompletionValues): string[] {
  const current = words.at(-1) ?? '';
  let command = program;
  let positional = 0;
  let expectsValue: Option | undefined;
  for (const word of words.slice(0, -1)) {
    if (expectsValue !== undefined) {
      expectsValue = undefined;
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      const option = findOption(command, word);
      expectsValue = option !== undefined && (option.required || option.optional) && !word.includes('=') ? option : undefined;
      continue;
    }
    const sub = positional === 0 ? findCommand(command, word) : undefined;
    if (sub !== undefined) {
      command = sub;
      continue;
    }
    positional += 1;
  }
  if (expectsValue !== undefined) {
    // A value of the user's own (a URL, a number): nothing to offer.
    return [];
  }
  if (current.startsWith('-')) {
    return matching(allOptions(command), current);
  }
  const subcommands = positional === 0 ? visibleCommands(command).flatMap((child) => [child.name()]) : [];
  // A group's own `[command]` argument is its verb: only its subcommands go there.
  const index = command.commands.length > 0 ? positional - 1 : positional;
  const argument = index >= 0 ? command.registeredArguments[index] : undefined;
  return matching([...subcommands, ...argumentValues(command, argument?.name(), values, program)], current);
}

function argumentValues(command: Command, name: string | undefined, values: CompletionValues, program: Command): string[] {
  switch (name) {
    case 'sku':
      return values.skus();
    case 'key':
      return command.parent?.name() === 'config' ? [...values.settingKeys] : values.preferenceKeys();
    case 'shell':
      return SHELLS;
    case 'command':
      return command.name() === 'help' ? visibleCommands(program).map((child) => child.name()) : [];
    default:
      return [];
  }
}

function visibleCommands(command: Command): Command[] {
  return command.commands.filter((child) => !(child as unknown as { _hidden?: boolean })._hidden);
}

function findCommand(command: Command, word: string): Command | undefined {
  return command.commands.find((child) => child.name() === word || child.aliases().includes(word));
}

function findOption(command: Command, word: string): Option | undefined {
  const flag = word.split('=')[0];
  for (let current: Command | null = command; current !== null; current = current.parent) {
    const option = current.options.find((candidate) => candidate.long === flag || candidate.short === flag);
    if (option !== undefined) {
      return option;
    }
  }
  return undefined;
}

function allOptions(command: Command): string[] {
  const flags: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) {
    flags.push(...current.options.flatMap((option) => (option.long === undefined ? [] : [option.long])), '--help');
  }
  return [...new Set(flags)];
}

/** Case-insensitive, so `mug` offers `MUG-BLUE`; sorted, without duplicates. */
function matching(candidates: readonly string[], prefix: string): string[] {
  const lower = prefix.toLowerCase();
  return [...new Set(candidates.filter((candidate) => candidate.toLowerCase().startsWith(lower)))].sort();
}
