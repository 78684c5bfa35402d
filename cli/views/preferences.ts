import type { Preference, Preferences } from '../../shared/wire.js';
import { preferenceText } from '../format.js';
import type { View } from './view.js';

/** All preferences, sorted by key. Plain lines are `KEY  VALUE`; strings bare, other values as JSON. */
export const preferencesView: View<Preferences> = {
  json: (preferences) => preferences,
  plain: (preferences) => sortedEntries(preferences).map(([key, value]) => [key, preferenceText(value)]),
  ink: (preferences, ui, theme) =>
    ui.h(ui.KeyValueView, {
      theme,
      empty: 'No preferences set. Set one with: shop prefs set KEY VALUE',
      entries: sortedEntries(preferences).map(([key, value]) => ({ key, value: JSON.stringify(value) })),
    }),
};

/** One preference: just its value, so `$(shop prefs get locale)` works. */
export const preferenceView: View<Preference> = {
  json: (preference) => preference,
  plain: (preference) => [[preferenceText(preference.value)]],
  text: (preference) => preferenceText(preference.value),
};

function sortedEntries(preferences: Preferences) {
  return Object.entries(preferences.preferences).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `shop prefs unset KEY`: a `--json` document saying so; people get the message on stderr. */
export const preferenceRemovedView: View<{ key: string; removed: true }> = {
  json: ({ key }) => ({ key, removed: true }),
  plain: () => [],
};
