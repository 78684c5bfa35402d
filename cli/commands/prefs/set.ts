import { Command } from 'commander';

import type { PreferenceValue } from '../../../shared/wire.js';
import { parsePreferenceKey, parsePreferenceValue } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { preferenceView } from '../../views/preferences.js';

export interface PrefsSetOptions {
  deps: CommandDeps;
  key: string;
  value: PreferenceValue;
}

export function prefsSetCommand(deps: DepsProvider, run = prefsSetRun): Command {
  return new Command('set')
    .description('set a preference; VALUE is read as JSON when it is a JSON scalar (true, 42, null, "text")')
    .argument('<key>', 'e.g. locale', parsePreferenceKey)
    .argument('<value>', 'e.g. en-GB, true, 42', parsePreferenceValue)
    .action((key: string, value: PreferenceValue) => run({ deps: deps(), key, value }));
}

export async function prefsSetRun({ deps, key, value }: PrefsSetOptions): Promise<void> {
  const preference = await deps.output.waitFor('Saving the preference…', deps.api().setPreference(key, value));
  await deps.output.info(`Set ${preference.key} to ${JSON.stringify(preference.value)}.`);
  await deps.output.show(preferenceView, preference);
}
