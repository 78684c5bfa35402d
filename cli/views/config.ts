import type { View } from './view.js';
import type { SettingKey } from '../store/settings.js';

export interface SettingEntry {
  key: SettingKey;
  value: string;
  /** False when the value is the built-in default. */
  isSet: boolean;
}

/** `shop config list`: plain lines are `KEY  VALUE`. */
export const settingsView: View<readonly SettingEntry[]> = {
  json: (entries) => Object.fromEntries(entries.map((entry) => [entry.key, entry.value])),
  plain: (entries) => entries.map((entry) => [entry.key, entry.value]),
  ink: (entries, ui, theme) =>
    ui.h(ui.KeyValueView, {
      theme,
      entries: entries.map((entry) => ({ key: entry.key, value: entry.isSet ? entry.value : `${entry.value} (default)` })),
    }),
};

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
