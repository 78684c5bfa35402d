import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { preferencesView } from '../../views/preferences.js';
import { showRead } from '../show-result.js';

export interface PrefsListOptions {
  deps: CommandDeps;
}

export function prefsListCommand(deps: DepsProvider): Command {
  return new Command('list').alias('ls').description('show all your preferences').action(() => prefsListRun({ deps: deps() }));
}

export async function prefsListRun({ deps }: PrefsListOptions): Promise<void> {
  const { client } = deps.offline();
  const read = await deps.output.waitFor('Fetching preferences…', client.preferences());
  await showRead(deps.output, preferencesView, read);
}
