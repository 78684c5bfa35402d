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
  return new Command('unset').alias('rm')
    .description('remove a preference')
    .argument('<key>', 'e.g. locale', parsePreferenceKey)
    .action((key: string) => prefsUnsetRun({ deps: deps(), key }));
}

export async function prefsUnsetRun({ deps, key }: PrefsUnsetOptions): Promise<void> {
  const { client } = deps.offline();
  const before = client.savedPreference(key);
  const change = await deps.output.waitFor('Removing the preference…', client.unsetPreference(key));
  // The server answers 204 either way; the saved copy (refreshed by every answer) says whether the key was set.
  const done =
    before === undefined ? `${key} is not set.` : before.value === undefined ? `${key} was not set; nothing changed.` : `Removed ${key}.`;
  await showChange(deps.output, preferenceRemovedView, change, done);
}
