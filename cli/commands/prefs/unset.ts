import { Command } from 'commander';

import { parsePreferenceKey } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { preferenceRemovedView } from '../../views/preferences.js';
import { showChange } from '../show-result.js';

export interface PrefsUnsetOptions {
  deps: CommandDeps;
  key: string;
}

export function prefsUnsetCommand(deps: DepsProvider): Command {
  return new Command('unset')
    .description('remove a preference')
    .argument('<key>', 'e.g. locale', parsePreferenceKey)
    .action((key: string) => prefsUnsetRun({ deps: deps(), key }));
}

export async function prefsUnsetRun({ deps, key }: PrefsUnsetOptions): Promise<void> {
  const { client } = deps.offline();
  const change = await deps.output.waitFor('Removing the preference…', client.unsetPreference(key));
  await showChange(deps.output, preferenceRemovedView, change, `Removed ${key}.`);
}
