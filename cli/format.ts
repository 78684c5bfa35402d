import type { PreferenceValue } from '../shared/wire.js';

const fractionDigitsCache = new Map<string, number>();

/** How many minor units a currency has (2 for EUR, 0 for JPY, 3 for KWD), from the runtime's ICU data. */
export function currencyFractionDigits(currency: string): number {
  let digits = fractionDigitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      // Not a currency ICU knows; two places is the common case and the server validated the code anyway.
      digits = 2;
    }
    fractionDigitsCache.set(currency, digits);
  }
  return digits;
}

/**
 * Minor units as a plain decimal string — `1250, "EUR"` → `"12.50"` — computed on integers, so the text is exact
 * and stable for scripts whatever the locale.
 */
export function formatAmount(minor: number, currency: string): string {
  const digits = currencyFractionDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  return digits === 0 ? sign + text : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Minor units for people: `€12.50` in en-GB, `14,90 €` in de-DE; `locale` unset: the runtime's default. */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  const digits = currencyFractionDigits(currency);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${formatAmount(minor, currency)} ${currency}`;
  }
}

/** A count for people: `1,234` in en, `1.234` in de-DE. */
export function formatCount(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/**
 * Removes control characters (ESC included) from text that came from the server, so a product name cannot move the
 * cursor, recolour the terminal or break a tab-separated line. Tabs and line breaks become spaces.
 */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\t\n\r]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** A preference value as `jq -r` would print it: strings bare, everything else as JSON. */
export function preferenceText(value: PreferenceValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A moment for people and scripts alike: ISO 8601 in UTC. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}
