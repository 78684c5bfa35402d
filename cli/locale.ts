import type { Env } from './io.js';

/**
 * The locale `shop` formats money, numbers and times in at a terminal: the user's `locale` preference, else the
 * environment's (`LC_ALL`, then `LANG`, as POSIX orders them), else the runtime's default (`undefined`). Plain and JSON
 * output never use it: they stay the same for every user, for scripts.
 */
export function displayLocale(preference: unknown, env: Env): string | undefined {
  return supported(preference) ?? posixLocale(env.LC_ALL) ?? posixLocale(env.LANG);
}

/** `de_DE.UTF-8@euro` → `de-DE`; `C`, `POSIX` and anything ICU does not know → `undefined`. */
export function posixLocale(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value === 'C' || value === 'POSIX' || value.startsWith('C.')) {
    return undefined;
  }
  return supported(value.split(/[.@]/)[0]!.replace(/_/g, '-'));
}

function supported(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') {
    return undefined;
  }
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    return canonical !== undefined && Intl.NumberFormat.supportedLocalesOf([canonical]).length > 0 ? canonical : undefined;
  } catch {
    return undefined;
  }
}
