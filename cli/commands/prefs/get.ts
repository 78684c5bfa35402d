import { Command } from 'commander';

import { parsePreferenceKey } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { preferenceView } from '../../views/preferences.js';
import { showRead } from '../show-result.js';

export interface PrefsGetOptions {
  deps: CommandDeps;
  key: string;
}

export function prefsGetCommand(deps: DepsProvider): Command {
  return new Command('get')
    .description('print one preference')
    .argument('<key>', 'e.g. locale', parsePreferenceKey)
    .action((key: string) => prefsGetRun({ deps: deps(), key }));
}

export async function prefsGetRun({ deps, key }: PrefsGetOptions): Promise<void> {
  const { client } = deps.offline();
  const read = await deps.output.waitFor('Fetching the preference…', client.preference(key));
  await showRead(deps.output, preferenceView, read);
}
