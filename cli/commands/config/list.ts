import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { SETTING_KEYS, SETTINGS } from '../../store/settings.js';
import { type SettingEntry, settingsView } from '../../views/config.js';

export interface ConfigListOptions {
  deps: CommandDeps;
}

export function configListCommand(deps: DepsProvider): Command {
  return new Command('list').alias('ls').description('show every setting, defaults included').action(() => configListRun({ deps: deps() }));
}

export async function configListRun({ deps }: ConfigListOptions): Promise<void> {
  const stored = deps.config.settings();
  const entries: SettingEntry[] = SETTING_KEYS.map((key) => {
    const value = stored[key];
    return value === undefined ? { key, value: SETTINGS[key].defaultValue, isSet: false } : { key, value, isSet: true };
  });
  await deps.output.show(settingsView, entries);
}
