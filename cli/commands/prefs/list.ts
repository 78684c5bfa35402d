import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { preferencesView } from '../../views/preferences.js';

export interface PrefsListOptions {
  deps: CommandDeps;
}

export function prefsListCommand(deps: DepsProvider, run = prefsListRun): Command {
  return new Command('list').description('show all your preferences').action(() => run({ deps: deps() }));
}

export async function prefsListRun({ deps }: PrefsListOptions): Promise<void> {
  const preferences = await deps.output.waitFor('Fetching preferences…', deps.api().listPreferences());
  await deps.output.show(preferencesView, preferences);
}
