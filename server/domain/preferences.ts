import { decideSetPreference } from '../../shared/rules/preferences.js';
import { refusals } from '../../shared/rules/refusals.js';
import type { Preference, PreferenceValue, Preferences } from '../../shared/wire.js';
import type { Store } from '../db/store.js';
import { refused } from './errors.js';

export async function listPreferences(store: Store, userId: string): Promise<Preferences> {
  return { preferences: (await store.preferences.list(userId)) as Record<string, PreferenceValue> };
}

export async function getPreference(store: Store, userId: string, key: string): Promise<Preference> {
  const value = await store.preferences.get(userId, key);
  if (value === undefined) {
    throw refused(refusals.preferenceNotFound(key));
  }
  return { key, value: value as PreferenceValue };
}

/** Sets one preference. The user row is locked so the per-user limit holds under concurrent writes. */
export function setPreference(store: Store, userId: string, key: string, value: PreferenceValue, now: Date): Promise<Preference> {
  return store.transaction(async (tx) => {
    await tx.users.lock(userId);
    const exists = (await tx.preferences.get(userId, key)) !== undefined;
    // Counted only for a new key: replacing a value never meets the limit.
    const decision = decideSetPreference({ exists, count: exists ? 0 : await tx.preferences.count(userId) }, key, value);
    if (decision.kind === 'refuse') {
      throw refused(decision.refusal);
    }
    await tx.preferences.set(userId, key, value, now);
    return { key, value };
  });
}

/**
 * Removes a preference in one statement: deleting a key that is not there changes nothing, which is what
 * `decideUnsetPreference` says of it, so there is nothing to read or decide first. Returns whether one was removed.
 */
export function deletePreference(store: Store, userId: string, key: string): Promise<boolean> {
  return store.preferences.delete(userId, key);
}
