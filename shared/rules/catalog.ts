import { SKU_PATTERN } from '../limits.js';
import { CATALOG_CURRENCY, isCurrencyCode, type PriceList } from './pricing.js';

/** One product as a catalogue file gives it (see the README's "Catalogue import" for the formats). */
export interface CatalogEntry {
  sku: string;
  name: string;
  description: string;
  prices: PriceList;
  active: boolean;
  /** Units on hand; absent means the shop does not count this product (unlimited). An import sets it as given. */
  stock?: number;
}

/** What `catalog import` would change for one entry, given what the database holds for its SKU. */
export type CatalogChange = 'added' | 'changed' | 'deactivated' | 'unchanged';

const internals = {
  maxName: 200,
  maxDescription: 2000,
  /** Ten million in minor units of anything is not a shop price; it is a typo. */
  maxAmount: 1_000_000_000,
};

/** Why `entry` cannot be in the catalogue, or `undefined` when it can. */
export function checkCatalogEntry(entry: CatalogEntry): string | undefined {
  if (!SKU_PATTERN.test(entry.sku)) {
    return `sku "${entry.sku}" must be upper-case letters, digits and hyphens (at most 64)`;
  }
  if (entry.name.trim() === '' || entry.name.length > internals.maxName) {
    return `name must be 1 to ${internals.maxName} characters`;
  }
  if (entry.description.length > internals.maxDescription) {
    return `description must be at most ${internals.maxDescription} characters`;
  }
  for (const [currency, amount] of Object.entries(entry.prices)) {
    if (!isCurrencyCode(currency)) {
      return `"${currency}" is not an ISO 4217 currency code`;
    }
    if (!Number.isSafeInteger(amount) || amount < 0 || amount > internals.maxAmount) {
      return `the ${currency} price must be a whole number of minor units (cents), 0 or more`;
    }
  }
  if (!Object.hasOwn(entry.prices, CATALOG_CURRENCY)) {
    return `every product needs a ${CATALOG_CURRENCY} price (the catalogue's currency)`;
  }
  if (entry.stock !== undefined && (!Number.isSafeInteger(entry.stock) || entry.stock < 0)) {
    return 'stock must be a whole number, 0 or more';
  }
  return undefined;
}

/** How importing `entry` changes the product the database holds (`null`: none with its SKU). */
export function catalogChange(existing: (Omit<CatalogEntry, 'stock'> & { stock?: number | null }) | null, entry: CatalogEntry): CatalogChange {
  if (existing === null) {
    return 'added';
  }
  if (existing.active && !entry.active) {
    return 'deactivated';
  }
  const samePrices =
    Object.keys(existing.prices).length === Object.keys(entry.prices).length &&
    Object.entries(entry.prices).every(([currency, amount]) => existing.prices[currency] === amount);
  const same = existing.name === entry.name && existing.description === entry.description && existing.active === entry.active && samePrices && (existing.stock ?? null) === (entry.stock ?? null);
  return same ? 'unchanged' : 'changed';
}
