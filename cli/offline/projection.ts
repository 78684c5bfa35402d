import {
  type CartDecision,
  type CartLineView,
  decideAdd,
  decideClear,
  decideRemove,
  decideSet,
  type ProductState,
} from '../../shared/rules/cart.js';
import { decideSetPreference, decideUnsetPreference, type PreferenceDecision } from '../../shared/rules/preferences.js';
import { cartCurrency, type PriceList, priceIn } from '../../shared/rules/pricing.js';
import { cartTotals } from '../../shared/rules/totals.js';
import type { Cart, CartCurrencyChoice, Preference, Preferences } from '../../shared/wire.js';
import { type CartOp, type ChangeOp, isCartOp, isPreferenceOp, type PreferenceOp } from '../store/change-op.js';

/**
 * A cart line as `shop` can show it: the server's own, or one worked out offline, where a product never seen before
 * has no known name or price (`null`).
 */
export interface ProjectedCartLine {
  sku: string;
  name: string | null;
  quantity: number;
  unitPrice: number | null;
  lineTotal: number | null;
  /** The product's price list, as the server sends it; `null` for a product never seen. */
  prices: Record<string, number> | null;
}

/** A cart from the server, or the saved copy with queued changes applied. Every {@link Cart} is one. */
export interface ProjectedCart {
  lines: ProjectedCartLine[];
  /** The sum of the line totals that are known. */
  subtotal: number;
  currency: string;
  /** Why `currency`: decided by the shared rule, as the server will. */
  currencyChoice: CartCurrencyChoice;
  itemCount: number;
  /** The version of the saved copy the changes were applied to. */
  version: number;
}

/** What the catalogue cache knows about a product, for lines added offline. */
export interface KnownProduct {
  name: string;
  prices: PriceList;
}

interface OfflineLine {
  name: string | null;
  quantity: number;
  /** `null`: a product never seen, whose prices only the server knows. */
  prices: PriceList | null;
}

/** A saved line's price list; a copy saved before carts carried price lists has only the price it was shown in. */
function savedPrices(line: Cart['lines'][number], currency: string): PriceList {
  return line.prices ?? { [currency]: line.unitPrice };
}

/**
 * The cart the offline client reasons about: the saved copy (or an empty cart when there is none) with queued changes
 * applied by the shared rules, one after another, exactly as the server will apply them when they are sent.
 */
export class OfflineCart {
  private readonly lines: Map<string, OfflineLine>;

  /**
   * `currencyPreference`: the user's `currency` preference as the offline view sees it (saved preferences with queued
   * changes applied); `undefined` uses the one the server last priced the saved cart with.
   */
  constructor(
    private readonly base: Cart | undefined,
    private readonly knownProduct: (sku: string) => KnownProduct | undefined,
    private readonly currencyPreference?: unknown,
  ) {
    this.lines = new Map(base?.lines.map((line) => [line.sku, { name: line.name, quantity: line.quantity, prices: savedPrices(line, base.currency) }]));
  }

  /**
   * What the product an op names is known to be: in the saved catalogue or cart, it was on sale when saved; otherwise
   * it may be new since, and only the server can say.
   */
  product(sku: string): ProductState {
    return this.lines.has(sku) || this.knownProduct(sku) !== undefined ? 'active' : 'unknown';
  }

  /** What the server's rules decide for `op`, given this cart. */
  decide(op: CartOp): CartDecision {
    if (op.kind === 'cart.clear') {
      return decideClear({ lineCount: this.lines.size });
    }
    const view: CartLineView = { quantity: this.lines.get(op.sku)?.quantity ?? 0, lineCount: this.lines.size, product: this.product(op.sku) };
    switch (op.kind) {
      case 'cart.add':
        return decideAdd(view, op.sku, op.quantity);
      case 'cart.set':
        return decideSet(view, op.sku, op.quantity);
      case 'cart.remove':
        return decideRemove(view, op.sku);
    }
  }

  /** Decides `op` and makes the write it says; a refused op changes nothing, as on the server. */
  apply(op: CartOp): CartDecision {
    const decision = this.decide(op);
    if (decision.kind !== 'write') {
      return decision;
    }
    const { write } = decision;
    if (write.op === 'clear') {
      this.lines.clear();
    } else if (write.op === 'delete') {
      this.lines.delete(write.sku);
    } else {
      const line = this.lines.get(write.sku);
      const known = this.knownProduct(write.sku);
      this.lines.set(write.sku, line ? { ...line, quantity: write.quantity } : { name: known?.name ?? null, quantity: write.quantity, prices: known?.prices ?? null });
    }
    return decision;
  }

  /** The cart priced as the server will price it: the same currency rule over the same price lists. */
  view(): ProjectedCart {
    const preference = this.currencyPreference === undefined ? (this.base?.currencyChoice?.preferred ?? undefined) : this.currencyPreference;
    const lines = [...this.lines].map(([sku, line]) => ({ sku, ...line }));
    const { currency, reason, preferred, unpriced } = cartCurrency(preference, lines);
    const totals = cartTotals<number | null>(
      lines.map(({ sku, name, quantity, prices }) => ({ sku, name, quantity, unitPrice: prices === null ? null : priceIn(prices, currency) })),
    );
    const priced = totals.lines.map((line, index) => {
      const prices = lines[index]?.prices ?? null;
      return { ...line, prices: prices === null ? null : { ...prices } };
    });
    return { ...totals, lines: priced, currency, currencyChoice: { reason, preferred, unpriced }, version: this.base?.version ?? 0 };
  }
}

/**
 * The preferences the offline client reasons about: the saved copy with queued changes applied by the shared rules.
 * Without a saved copy the count is unknown, so the per-user limit is left to the server.
 */
export class OfflinePreferences {
  private readonly values: Map<string, Preference['value']>;

  constructor(private readonly base: Preferences | undefined) {
    this.values = new Map(Object.entries(base?.preferences ?? {}));
  }

  decide(op: PreferenceOp): PreferenceDecision {
    const exists = this.values.has(op.key);
    if (op.kind === 'prefs.unset') {
      return decideUnsetPreference({ exists }, op.key);
    }
    return decideSetPreference({ exists, count: this.base === undefined ? 0 : this.values.size }, op.key, op.value);
  }

  apply(op: PreferenceOp): PreferenceDecision {
    const decision = this.decide(op);
    if (decision.kind === 'write') {
      this.values.set(decision.key, decision.value);
    } else if (decision.kind === 'delete') {
      this.values.delete(decision.key);
    }
    return decision;
  }

  view(): Preferences {
    return { preferences: Object.fromEntries(this.values) };
  }
}

/** The cart as it will be once the queued ops reach the server. An unknown SKU shows with no price. */
export function projectCart(
  base: Cart | undefined,
  ops: readonly ChangeOp[],
  knownProduct: (sku: string) => KnownProduct | undefined,
  currencyPreference?: unknown,
): ProjectedCart {
  const cart = new OfflineCart(base, knownProduct, currencyPreference);
  for (const op of ops) {
    if (isCartOp(op)) {
      cart.apply(op);
    } else if (op.kind === 'order.place') {
      // An order empties the cart it was placed from (and refused, it goes to the failed list, out of the queue).
      cart.apply({ kind: 'cart.clear' });
    }
  }
  return cart.view();
}

/** Preferences as they will be once the queued ops reach the server. */
export function projectPreferences(base: Preferences | undefined, ops: readonly ChangeOp[]): Preferences {
  const preferences = new OfflinePreferences(base);
  for (const op of ops) {
    if (isPreferenceOp(op)) {
      preferences.apply(op);
    }
  }
  return preferences.view();
}

/** The projected value of one preference, or `undefined` when it would not be set. */
export function projectPreference(base: Preferences | undefined, ops: readonly ChangeOp[], key: string): Preference | undefined {
  const preferences = projectPreferences(base, ops).preferences;
  return Object.hasOwn(preferences, key) ? { key, value: preferences[key] ?? null } : undefined;
}
