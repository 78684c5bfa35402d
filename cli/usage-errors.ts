import type { Command } from 'commander';

import { suggest } from './suggest.js';

/**
 * Commander's usage errors, said in shop's own words: one line, `shop: ` first, with a suggestion for a typo and the
 * help to read. Commander's wording ("command-argument value '100' is invalid for argument 'quantity'") is read
 * here and never shown.
 */
export function describeUsageError(command: Command, text: string): string {
  const path = commandPath(command);
  const message = text.replace(/^error: /, '').trim().split('\n')[0] ?? '';
  const said = reword(command, path, message);
  // A suggestion is the way out; otherwise the help is.
  return said.includes('Did you mean') ? `shop: ${said}` : `shop: ${said} (see \`${path} --help\`)`;
}

function reword(command: Command, path: string, message: string): string {
  let match = /^unknown command '(.*)'/.exec(message);
  if (match !== null) {
    const typed = match[1] ?? '';
    const names = command.commands.flatMap((child) => [child.name(), ...child.aliases()]);
    return `unknown command "${typed}" for ${path}${didYouMean(suggest(typed, names))}`;
  }
  match = /^command-argument value '(.*)' is invalid for argument '(.*?)'\. (.*)$/.exec(message);
  if (match !== null) {
    return `${withoutStop(match[3] ?? '')}; got "${match[1] ?? ''}"`;
  }
  match = /^option '(.*?)' argument '(.*)' is invalid\. (.*)$/.exec(message);
  if (match !== null) {
    return `${withoutStop(match[3] ?? '')}; got "${match[2] ?? ''}"`;
  }
  match = /^unknown option '(.*?)'/.exec(message);
  if (match !== null) {
    const typed = match[1] ?? '';
    return `unknown option ${typed} for ${path}${didYouMean(suggest(typed, optionNames(command)))}`;
  }
  match = /^missing required argument '(.*?)'/.exec(message);
  if (match !== null) {
    return `${path} needs ${(match[1] ?? '').toUpperCase()}`;
  }
  match = /^option '(.*?)' argument missing/.exec(message);
  if (match !== null) {
    const flag = /--[\w-]+/.exec(match[1] ?? '')?.[0] ?? match[1] ?? '';
    return `${flag} needs a value`;
  }
  if (/^too many arguments/.test(message)) {
    return `too many arguments for ${path}`;
  }
  return withoutStop(message);
}

function didYouMean(candidates: readonly string[]): string {
  return candidates.length === 0 ? '' : `. Did you mean ${candidates.join(' or ')}?`;
}

function withoutStop(text: string): string {
  return text.replace(/\.$/, '');
}

/** The long flags a command takes, its parents' (the global options) included. */
function optionNames(command: Command): string[] {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) {
    for (const option of current.options) {
      if (option.long !== undefined) {
        names.push(option.long);
      }
    }
  }
  return names;
}

export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) {
    names.unshift(current.name());
  }
  return names.join(' ');
}
