import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { isSettingKey, SETTINGS, unknownSettingError } from '../../store/settings.js';
import { settingChangedView } from '../../views/config.js';

export interface ConfigSetOptions {
  deps: CommandDeps;
  key: string;
  value: string;
}

export function configSetCommand(deps: DepsProvider): Command {
  return new Command('set')
    .description('change a setting')
    .argument('<key>', 'e.g. server')
    .argument('<value>', 'e.g. https://shop.example.com')
    .action((key: string, value: string) => configSetRun({ deps: deps(), key, value }));
}

export async function configSetRun({ deps, key, value }: ConfigSetOptions): Promise<void> {
  if (!isSettingKey(key)) {
    throw unknownSettingError(key);
  }
  const normalized = SETTINGS[key].normalize(value);
  await deps.config.setSetting(key, normalized);
  await deps.output.info(`Set ${key} to ${normalized}.`);
  await deps.output.show(settingChangedView, { key, value: normalized, isSet: true });
}
