import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { isSettingKey, SETTINGS, unknownSettingError } from '../../store/settings.js';
import { settingView } from '../../views/config.js';

export interface ConfigGetOptions {
  deps: CommandDeps;
  key: string;
}

export function configGetCommand(deps: DepsProvider): Command {
  return new Command('get')
    .description('print one setting (its default when unset)')
    .argument('<key>', 'e.g. server')
    .action((key: string) => configGetRun({ deps: deps(), key }));
}

export async function configGetRun({ deps, key }: ConfigGetOptions): Promise<void> {
  if (!isSettingKey(key)) {
    throw unknownSettingError(key);
  }
  const value = deps.config.getSetting(key);
  await deps.output.show(
    settingView,
    value === undefined ? { key, value: SETTINGS[key].defaultValue, isSet: false } : { key, value, isSet: true },
  );
}
