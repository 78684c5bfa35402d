import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { isSettingKey, SETTINGS, unknownSettingError } from '../../store/settings.js';
import { settingChangedView } from '../../views/config.js';

export interface ConfigUnsetOptions {
  deps: CommandDeps;
  key: string;
}

export function configUnsetCommand(deps: DepsProvider): Command {
  return new Command('unset').alias('rm')
    .description('return a setting to its default')
    .argument('<key>', 'e.g. server')
    .action((key: string) => configUnsetRun({ deps: deps(), key }));
}

export async function configUnsetRun({ deps, key }: ConfigUnsetOptions): Promise<void> {
  if (!isSettingKey(key)) {
    throw unknownSettingError(key);
  }
  await deps.config.unsetSetting(key);
  const value = SETTINGS[key].defaultValue;
  await deps.output.info(`Unset ${key}; it is back to ${value}.`);
  await deps.output.show(settingChangedView, { key, value, isSet: false });
}
