import { MAX_PREFERENCE_VALUE_BYTES, MAX_PREFERENCES } from '../../shared/limits.js';
import type { Preference, PreferenceValue, Preferences } from '../../shared/wire.js';
import type { Store } from '../db/store.js';
import { ShopError } from './errors.js';

const internals = {
  /** ISO 4217 codes this runtime knows; computed once, it is reference data, not state. */
  currencies: new Set(Intl.supportedValuesOf('currency')),
  /** Validators for the keys whose values have a meaning the server relies on. */
  wellKnown: {
    currency(value: PreferenceValue): string | undefined {
      return typeof value === 'string' && internals.currencies.has(value)
        ? undefined
        : 'currency must be an ISO 4217 code such as "EUR" or "USD"';
    },
    locale(value: PreferenceValue): string | undefined {
      if (typeof value !== 'string' || value.length === 0) {
        return 'locale must be a BCP 47 language tag such as "en-GB"';
      }
      try {
        Intl.getCanonicalLocales(value);
        return undefined;
      } catch {
        return `locale "${value}" is not a valid BCP 47 language tag`;
      }
    },
  } as Record<string, (value: PreferenceValue) => string | undefined>,
};

/** Throws `PREFERENCE_INVALID` when the value is too large or wrong for a well-known key. */
export function validatePreference(key: string, value: PreferenceValue): void {
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_PREFERENCE_VALUE_BYTES) {
    throw new ShopError('PREFERENCE_INVALID', `A preference value may take at most ${MAX_PREFERENCE_VALUE_BYTES} bytes as JSON`);
  }
  const problem = Object.hasOwn(internals.wellKnown, key) ? internals.wellKnown[key]?.(value) : undefined;
  if (problem !== undefined) {
    throw new ShopError('PREFERENCE_INVALID', problem);
  }
}

export async function listPreferences(store: Store, userId: string): Promise<Preferences> {
  return { preferences: (await store.preferences.list(userId)) as Record<string, PreferenceValue> };
}

export async function getPreference(store: Store, userId: string, key: string): Promise<Preference> {
  const value = await store.preferences.get(userId, key);
  if (value === undefined) {
    throw new ShopError('PREFERENCE_NOT_FOUND', `No preference named ${key}`);
  }
  return { key, value: value as PreferenceValue };
}

/** Sets one preference. The user row is locked so the per-user limit holds under concurrent writes. */
export function setPreference(store: Store, userId: string, key: string, value: PreferenceValue, now: Date): Promise<Preference> {
  validatePreference(key, value);
  return store.transaction(async (tx) => {
    await tx.users.lock(userId);
    const exists = (await tx.preferences.get(userId, key)) !== undefined;
    if (!exists && (await tx.preferences.count(userId)) >= MAX_PREFERENCES) {
      throw new ShopError('PREFERENCES_LIMIT', `A user keeps at most ${MAX_PREFERENCES} preferences`);
    }
    await tx.preferences.set(userId, key, value, now);
    return { key, value };
  });
}

/**
 * Removes a preference. Removing one that is not there succeeds too: the state the client asked for holds either way,
 * so a retried or late-replayed (offline) unset never fails for having already happened. Returns whether one was removed.
 */
export function deletePreference(store: Store, userId: string, key: string): Promise<boolean> {
  return store.preferences.delete(userId, key);
}
