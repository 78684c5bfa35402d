import type { PreferenceValue } from '../shared/wire.js';

/**
 * A preference value as typed on the command line: a JSON scalar when it is one (`true`, `42`, `null`, `"quoted"`),
 * otherwise the text itself — so `shop prefs set locale en-GB` needs no quotes, and `'"42"'` stores a string.
 */
export function preferenceFromText(text: string): PreferenceValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (parsed === null || typeof parsed === 'string' || typeof parsed === 'boolean') {
    return parsed;
  }
  if (typeof parsed === 'number' && Number.isFinite(parsed)) {
    return parsed;
  }
  // An object or array is not a preference value; as text it is at least what the user typed.
  return text;
}

/** The value as `shop prefs set` would need it typed: bare when it reads back as itself, JSON otherwise. */
export function preferenceToText(value: PreferenceValue): string {
  if (typeof value === 'string' && value !== '' && !/\s/.test(value) && preferenceFromText(value) === value) {
    return value;
  }
  return JSON.stringify(value);
}
