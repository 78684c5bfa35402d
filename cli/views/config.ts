import type { View } from './view.js';
import type { SettingKey } from '../store/settings.js';

export interface SettingEntry {
  key: SettingKey;
  value: string;
  /** False when the config file does not set it. */
  isSet: boolean;
  /** Where the value in use comes from (`shop config list`). */
  source?: 'flag' | 'env' | 'config' | 'default';
}

const SOURCE_NAMES = { flag: '--server', env: 'SHOP_SERVER', config: 'config file', default: 'default' } as const;

/**
 * `shop config list`: each value in use and where it comes from. Plain lines are `KEY  VALUE  SOURCE`, SOURCE one of
 * `--server`, `SHOP_SERVER`, `config file`, `default`; JSON maps each key to its value, and `sources` to the same names.
 */
export const settingsView: View<readonly SettingEntry[]> = {
  json: (entries) => ({
    ...Object.fromEntries(entries.map((entry) => [entry.key, entry.value])),
    sources: Object.fromEntries(entries.map((entry) => [entry.key, SOURCE_NAMES[entry.source ?? 'default']])),
  }),
  plain: (entries) => entries.map((entry) => [entry.key, entry.value, SOURCE_NAMES[entry.source ?? 'default']]),
  ink: (entries, ui, theme) =>
    ui.h(ui.KeyValueView, {
      theme,
      entries: entries.map((entry) => ({ key: entry.key, value: `${entry.value} (${describeSource(entry.source ?? 'default')})` })),
    }),
};

function describeSource(source: keyof typeof SOURCE_NAMES): string {
  return source === 'default' ? 'default' : source === 'config' ? 'from the config file' : `from ${SOURCE_NAMES[source]}`;
}

/** `shop config get KEY`: just the value. */
export const settingView: View<SettingEntry> = {
  json: (entry) => ({ key: entry.key, value: entry.value }),
  plain: (entry) => [[entry.value]],
  text: (entry) => entry.value,
};

/** `shop config set|unset`: a `--json` document with the new value; people get the message on stderr. */
export const settingChangedView: View<SettingEntry> = {
  json: (entry) => ({ key: entry.key, value: entry.value, isSet: entry.isSet }),
  plain: () => [],
};
