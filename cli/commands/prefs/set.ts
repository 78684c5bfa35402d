import { Command } from 'commander';

import type { PreferenceValue } from '../../../shared/wire.js';
import { parsePreferenceKey, parsePreferenceValue } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { preferenceView } from '../../views/preferences.js';
import { showChange } from '../show-result.js';

export interface PrefsSetOptions {
  deps: CommandDeps;
  key: string;
  value: PreferenceValue;
}

export function prefsSetCommand(deps: DepsProvider): Command {
  return new Command('set')
    .description('set a preference; VALUE is read as JSON when it is a JSON scalar (true, 42, null, "text")')
    .argument('<key>', 'e.g. locale', parsePreferenceKey)
    .argument('<value>', 'e.g. en-GB, true, 42', parsePreferenceValue)
    .action((key: string, value: PreferenceValue) => prefsSetRun({ deps: deps(), key, value }));
}

export async function prefsSetRun({ deps, key, value }: PrefsSetOptions): Promise<void> {
  const { client } = deps.offline();
  const change = await deps.output.waitFor('Saving the preference…', client.setPreference(key, value));
  await showChange(deps.output, preferenceView, change, `Set ${change.value.key} to ${JSON.stringify(change.value.value)}.`);
}
