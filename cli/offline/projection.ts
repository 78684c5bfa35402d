import { MAX_LINE_QUANTITY } from '../../shared/limits.js';
import { type Cart, DEFAULT_CURRENCY, type Preference, type Preferences } from '../../shared/wire.js';
import type { ChangeOp } from './ops.js';

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
}

/** A cart from the server, or the saved copy with queued changes applied. Every {@link Cart} is one. */
export interface ProjectedCart {
  lines: ProjectedCartLine[];
  /** The sum of the line totals that are known. */
  subtotal: number;
  currency: string;
  itemCount: number;
  /** The version of the saved copy the changes were applied to. */
  version: number;
}

/** What the catalogue cache knows about a product, for lines added offline. */
export interface KnownProduct {
  name: string;
  unitPrice: number;
  currency: string;
}

const internals = {
  line(sku: string, quantity: number, known: KnownProduct | undefined): ProjectedCartLine {
    return {
      sku,
      name: known?.name ?? null,
      quantity,
      unitPrice: known?.unitPrice ?? null,
      lineTotal: known === undefined ? null : known.unitPrice * quantity,
    };
  },

  withQuantity(line: ProjectedCartLine, quantity: number): ProjectedCartLine {
    return { ...line, quantity, lineTotal: line.unitPrice === null ? null : line.unitPrice * quantity };
  },
};

/**
 * The cart as it will be once the queued ops reach the server, worked out the way the server would: adding on top of
 * a line, setting it, 0 or remove dropping it. An add that would take a line past the limit is left out, as the server
 * will refuse it; an unknown SKU cannot be told apart offline, and shows with no price.
 */
export function projectCart(
  base: Cart | undefined,
  ops: readonly ChangeOp[],
  knownProduct: (sku: string) => KnownProduct | undefined,
): ProjectedCart {
  let lines: ProjectedCartLine[] = base?.lines.map((line) => ({ ...line })) ?? [];
  for (const op of ops) {
    switch (op.kind) {
      case 'cart.add': {
        const existing = lines.find((line) => line.sku === op.sku);
        if (existing === undefined) {
          lines.push(internals.line(op.sku, op.quantity, knownProduct(op.sku)));
        } else if (existing.quantity + op.quantity <= MAX_LINE_QUANTITY) {
          lines = lines.map((line) => (line === existing ? internals.withQuantity(line, line.quantity + op.quantity) : line));
        }
        break;
      }
      case 'cart.set': {
        const existing = lines.find((line) => line.sku === op.sku);
        if (op.quantity === 0) {
          lines = lines.filter((line) => line.sku !== op.sku);
        } else if (existing === undefined) {
          lines.push(internals.line(op.sku, op.quantity, knownProduct(op.sku)));
        } else {
          lines = lines.map((line) => (line === existing ? internals.withQuantity(line, op.quantity) : line));
        }
        break;
      }
      case 'cart.remove':
        lines = lines.filter((line) => line.sku !== op.sku);
        break;
      case 'cart.clear':
        lines = [];
        break;
      default:
        break;
    }
  }
  // An empty cart has no currency of its own (the server shows its default); the products going into it do.
  const currency =
    base !== undefined && base.lines.length > 0
      ? base.currency
      : (lines.map((line) => knownProduct(line.sku)?.currency).find((code) => code !== undefined) ?? base?.currency ?? DEFAULT_CURRENCY);
  return {
    lines,
    subtotal: lines.reduce((sum, line) => sum + (line.lineTotal ?? 0), 0),
    currency,
    itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
    version: base?.version ?? 0,
  };
}

/** Preferences as they will be once the queued ops reach the server. */
export function projectPreferences(base: Preferences | undefined, ops: readonly ChangeOp[]): Preferences {
  const preferences = { ...base?.preferences };
  for (const op of ops) {
    if (op.kind === 'prefs.set') {
      preferences[op.key] = op.value;
    } else if (op.kind === 'prefs.unset') {
      delete preferences[op.key];
    }
  }
  return { preferences };
}

/** The projected value of one preference, or `undefined` when it would not be set. */
export function projectPreference(base: Preferences | undefined, ops: readonly ChangeOp[], key: string): Preference | undefined {
  const preferences = projectPreferences(base, ops).preferences;
  return Object.hasOwn(preferences, key) ? { key, value: preferences[key] ?? null } : undefined;
}
