import type { CommandDeps } from '../../deps.js';

/**
 * The `currency` preference, which prices products as it prices the cart (the server falls back to the catalogue's
 * currency where a product has no such price). Taken from the saved copy: a listing needs no login or extra request.
 */
export function preferredCurrency(deps: CommandDeps): string | undefined {
  const currency = deps.savedPreference('currency');
  return typeof currency === 'string' ? currency : undefined;
}
