import { usageError } from '../errors.js';
import { DEFAULT_SERVER, normalizeServerUrl } from '../server-url.js';

/** The settings `shop config` knows. Unknown keys are refused rather than stored, so typos surface at once. */
export const SETTING_KEYS = ['server'] as const;

export type SettingKey = (typeof SETTING_KEYS)[number];

export interface SettingSpec {
  description: string;
  defaultValue: string;
  /** Returns the value to store, or throws a usage error naming what is wrong. */
  normalize(value: string): string;
}

export const SETTINGS: Readonly<Record<SettingKey, SettingSpec>> = {
  server: {
    description: 'the URL of the shop server',
    defaultValue: DEFAULT_SERVER,
    normalize(value) {
      const url = normalizeServerUrl(value);
      if (url === undefined) {
        throw usageError(`server must be an http:// or https:// URL, got "${value}"`);
      }
      return url;
    },
  },
};

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/** The usage error for a key `shop config` does not know, listing the ones it does. */
export function unknownSettingError(key: string) {
  return usageError(`unknown config key "${key}"; known keys: ${SETTING_KEYS.join(', ')}`);
}
