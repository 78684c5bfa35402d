import { DEFAULT_CURRENCY } from '../wire.js';

/**
 * Prices per currency. A product has a price list (ISO 4217 code → minor units) that always holds the catalogue's
 * default currency; other currencies are optional. These two decisions — the price of a product in a currency, and the
 * currency a cart is shown in — are made here once, for the server's answers, the CLI's offline view, and order
 * snapshots.
 */

/** ISO 4217 code → amount in minor units. */
export type PriceList = Readonly<Record<string, number>>;

/** The currency every product has a price in, and what a cart falls back to. */
export const CATALOG_CURRENCY = DEFAULT_CURRENCY;

/** A product's price as shown: in the currency asked for when it has one, else in the catalogue's currency. */
export interface ProductPrice {
  currency: string;
  /** Minor units. */
  amount: number;
  /** `requested`: the currency asked for; `default`: none was asked for, or the product has no price in it. */
  source: 'requested' | 'default';
}

/** Why a cart is in the currency it is in. */
export type CartCurrencyReason =
  /** Every line has a price in the user's `currency` preference (an empty cart trivially does). */
  | 'preference'
  /** The user has no (valid) `currency` preference. */
  | 'default'
  /** The user prefers another currency, but the lines in `unpriced` have no price in it. */
  | 'unpriced';

/** The currency a cart is shown in, and why: sent with the cart so a client can say it. */
export interface CartCurrencyChoice {
  currency: string;
  reason: CartCurrencyReason;
  /** The user's `currency` preference; `null` when there is none. */
  preferred: string | null;
  /** SKUs with no price in `preferred`, when that is why it was not used; otherwise empty. */
  unpriced: string[];
}

/** A cart line as far as its currency goes; `prices` is `null` for a product the client has never seen (offline). */
export interface PricedLine {
  sku: string;
  prices: PriceList | null;
}

const internals = {
  currencies: new Set(Intl.supportedValuesOf('currency')),
};

/** The amount of `prices` in `currency`, or `null` when the list has none. */
export function priceIn(prices: PriceList, currency: string): number | null {
  return Object.hasOwn(prices, currency) ? (prices[currency] ?? null) : null;
}

/** Whether `value` is an ISO 4217 code this runtime knows: only those are prices' or preferences' currencies. */
export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && internals.currencies.has(value);
}

/**
 * The price of a product in `requested` (`undefined`: none asked for). A product without a price in it shows its
 * catalogue-currency price, marked `default`. Throws when the list lacks the catalogue currency too: the catalogue
 * broke its own rule (imports refuse such a product), and no price would be honest.
 */
export function productPrice(prices: PriceList, requested: string | undefined): ProductPrice {
  if (requested !== undefined) {
    const amount = priceIn(prices, requested);
    if (amount !== null) {
      return { currency: requested, amount, source: 'requested' };
    }
  }
  const amount = priceIn(prices, CATALOG_CURRENCY);
  if (amount === null) {
    throw new Error(`product has no ${CATALOG_CURRENCY} price`);
  }
  return { currency: CATALOG_CURRENCY, amount, source: 'default' };
}

/**
 * The currency of a cart: the user's `currency` preference when every line has a price in it, else the catalogue's.
 * Lines whose prices are unknown (`null`, offline only) do not decide; the server will, once it sees them.
 */
export function cartCurrency(preference: unknown, lines: readonly PricedLine[]): CartCurrencyChoice {
  if (!isCurrencyCode(preference)) {
    return { currency: CATALOG_CURRENCY, reason: 'default', preferred: null, unpriced: [] };
  }
  const unpriced = lines.filter((line) => line.prices !== null && priceIn(line.prices, preference) === null).map((line) => line.sku);
  if (unpriced.length > 0) {
    return { currency: CATALOG_CURRENCY, reason: 'unpriced', preferred: preference, unpriced };
  }
  return { currency: preference, reason: 'preference', preferred: preference, unpriced: [] };
}
