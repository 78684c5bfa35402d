import { Command } from 'commander';

import { parsePreferenceKey } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { preferenceView } from '../../views/preferences.js';

export interface PrefsGetOptions {
  deps: CommandDeps;
  key: string;
}

export function prefsGetCommand(deps: DepsProvider, run = prefsGetRun): Command {
  return new Command('get')
    .description('print one preference')
    .argument('<key>', 'e.g. locale', parsePreferenceKey)
    .action((key: string) => run({ deps: deps(), key }));
}

export async function prefsGetRun({ deps, key }: PrefsGetOptions): Promise<void> {
  const preference = await deps.output.waitFor('Fetching the preference…', deps.api().getPreference(key));
  await deps.output.show(preferenceView, preference);
}
