import { MAX_PREFERENCE_VALUE_BYTES, MAX_PREFERENCES, PREFERENCE_KEY_PATTERN } from '../limits.js';
import type { PreferenceValue } from '../wire.js';
import { type Refusal, refusals } from './refusals.js';

/** What the preference rules need to know about the user's preferences. */
export interface PreferenceView {
  /** Whether the user already has this key. */
  exists: boolean;
  /** How many preferences the user has. */
  count: number;
}

export type PreferenceDecision =
  | { kind: 'write'; key: string; value: PreferenceValue }
  | { kind: 'delete'; key: string }
  | { kind: 'unchanged' }
  | { kind: 'refuse'; refusal: Refusal };

const internals = {
  /** ISO 4217 codes this runtime knows; computed once, it is reference data, not state. */
  currencies: new Set(Intl.supportedValuesOf('currency')),
  encoder: new TextEncoder(),

  /** Validators for the keys whose values have a meaning the shop relies on. */
  wellKnown: {
    currency(value: PreferenceValue): Refusal | undefined {
      return typeof value === 'string' && internals.currencies.has(value) ? undefined : refusals.currency();
    },
    locale(value: PreferenceValue): Refusal | undefined {
      if (typeof value !== 'string' || value.length === 0) {
        return refusals.localeEmpty();
      }
      try {
        Intl.getCanonicalLocales(value);
        return undefined;
      } catch {
        return refusals.locale(value);
      }
    },
  } as Readonly<Record<string, (value: PreferenceValue) => Refusal | undefined>>,
};

export function isPreferenceValue(value: unknown): value is PreferenceValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** Why this key may not hold this value, or `undefined` when it may: the key, the type, the size, well-known keys. */
export function checkPreference(key: string, value: unknown): Refusal | undefined {
  if (!PREFERENCE_KEY_PATTERN.test(key)) {
    return refusals.preferenceKey(key);
  }
  if (!isPreferenceValue(value)) {
    return refusals.preferenceType();
  }
  if (internals.encoder.encode(JSON.stringify(value)).length > MAX_PREFERENCE_VALUE_BYTES) {
    return refusals.preferenceSize();
  }
  return Object.hasOwn(internals.wellKnown, key) ? internals.wellKnown[key]?.(value) : undefined;
}

/** `PUT /preferences/{key}`: a valid value, and a new key only while the user is under the limit. */
export function decideSetPreference(view: PreferenceView, key: string, value: PreferenceValue): PreferenceDecision {
  const refusal = checkPreference(key, value);
  if (refusal !== undefined) {
    return { kind: 'refuse', refusal };
  }
  if (!view.exists && view.count >= MAX_PREFERENCES) {
    return { kind: 'refuse', refusal: refusals.preferencesFull() };
  }
  return { kind: 'write', key, value };
}

/**
 * `DELETE /preferences/{key}`. Removing one that is not there succeeds too: the state asked for holds either way, so a
 * retried or late-replayed (offline) unset never fails for having already happened.
 */
export function decideUnsetPreference(view: Pick<PreferenceView, 'exists'>, key: string): PreferenceDecision {
  return view.exists ? { kind: 'delete', key } : { kind: 'unchanged' };
}
