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

/** Each setting as it is in use: `--server` and SHOP_SERVER win over the config file, which wins over the default. */
export async function configListRun({ deps }: ConfigListOptions): Promise<void> {
  const stored = deps.config.settings();
  const entries: SettingEntry[] = SETTING_KEYS.map((key) => {
    const value = stored[key];
    const entry: SettingEntry =
      value === undefined ? { key, value: SETTINGS[key].defaultValue, isSet: false, source: 'default' } : { key, value, isSet: true, source: 'config' };
    if (key === 'server') {
      const inUse = deps.server();
      return { ...entry, value: inUse.url, source: inUse.source };
    }
    return entry;
  });
  await deps.output.show(settingsView, entries);
}
