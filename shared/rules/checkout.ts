import type { CartDifference, CheckoutRequest, OrderLine, StockWarning } from '../wire.js';
import { checkoutRefusals, type Refusal, type StockShortfall } from './refusals.js';
import { CATALOG_CURRENCY } from './pricing.js';
import { cartTotals } from './totals.js';

/** One cart line with what the catalogue says of its product now: what a checkout decides on. */
export interface CheckoutLineView {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  currency: string;
  /** `false` for a product no longer sold. */
  active: boolean;
  /** Units in stock; `null` when unlimited. */
  stock: number | null;
}

/** The order a checkout may place: its lines priced by the shared totals rule, in the cart's currency. */
export interface OrderDraft {
  lines: OrderLine[];
  subtotal: number;
  itemCount: number;
  currency: string;
}

export type CheckoutDecision = { kind: 'place'; order: OrderDraft } | { kind: 'refuse'; refusal: Refusal };

/** How many units of a product can be sold now: none for a product no longer sold, any number when unlimited. */
export function availableUnits(line: Pick<CheckoutLineView, 'active' | 'stock'>): number {
  if (!line.active) {
    return 0;
  }
  return line.stock ?? Number.POSITIVE_INFINITY;
}

/**
 * `POST /orders`: an empty cart cannot be ordered; every line whose product is not sold any more, or has fewer units in
 * stock than the line holds, is named in one `OUT_OF_STOCK` refusal; otherwise the order is the cart, priced with the
 * same totals rule the cart is shown with, so the order is exactly the total the user saw.
 */
export function decideCheckout(lines: readonly CheckoutLineView[]): CheckoutDecision {
  if (lines.length === 0) {
    return { kind: 'refuse', refusal: checkoutRefusals.cartEmpty() };
  }
  const short: StockShortfall[] = [];
  for (const line of lines) {
    const available = availableUnits(line);
    if (line.quantity > available) {
      short.push({ sku: line.sku, requested: line.quantity, available });
    }
  }
  if (short.length > 0) {
    return { kind: 'refuse', refusal: checkoutRefusals.outOfStock(short) };
  }
  const totals = cartTotals(lines);
  return {
    kind: 'place',
    // Every line is priced in the cart's one currency (shared/rules/pricing.ts decided it); the list is not empty here.
    order: { lines: totals.lines, subtotal: totals.subtotal, itemCount: totals.itemCount, currency: lines[0]?.currency ?? CATALOG_CURRENCY },
  };
}

/** The warning `POST /cart/items` answers with when a line holds more than is in stock; `null` when it does not. */
export function stockWarning(sku: string, quantity: number, stock: number | null): StockWarning | null {
  if (stock === null || quantity <= stock) {
    return null;
  }
  return {
    code: 'EXCEEDS_STOCK',
    sku,
    quantity,
    available: stock,
    message: `Only ${stock} of ${sku} in stock; the cart holds ${quantity}. Adding does not reserve stock: checkout will refuse what is not there`,
  };
}

/** What the user confirmed: the lines and total of `CheckoutRequest.expect`. */
export type ExpectedOrder = NonNullable<CheckoutRequest['expect']>;

/**
 * The price guard: `null` when the order about to be placed has exactly the confirmed lines (same SKUs, quantities and
 * unit prices) at exactly the confirmed total and currency; otherwise the `CART_CHANGED` refusal naming what differs.
 */
export function checkExpected(expected: ExpectedOrder, order: OrderDraft): Refusal | null {
  const before = new Map(expected.lines.map((line) => [line.sku, line]));
  const now = new Map(order.lines.map((line) => [line.sku, line]));
  const differences: CartDifference[] = [];
  for (const sku of new Set([...before.keys(), ...now.keys()])) {
    const was = before.get(sku);
    const is = now.get(sku);
    if (was?.quantity !== is?.quantity || was?.unitPrice !== is?.unitPrice) {
      differences.push({
        sku,
        expected: was === undefined ? null : { quantity: was.quantity, unitPrice: was.unitPrice },
        actual: is === undefined ? null : { quantity: is.quantity, unitPrice: is.unitPrice },
      });
    }
  }
  if (differences.length === 0 && expected.subtotal === order.subtotal && expected.currency === order.currency) {
    return null;
  }
  return checkoutRefusals.cartChanged(
    differences,
    { subtotal: expected.subtotal, currency: expected.currency },
    { subtotal: order.subtotal, currency: order.currency },
  );
}

/** The `expect` a client sends for an order of these lines: what it shows the user to confirm. */
export function expectedOrder(order: Pick<OrderDraft, 'lines' | 'subtotal' | 'currency'>): ExpectedOrder {
  return {
    lines: order.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice })),
    subtotal: order.subtotal,
    currency: order.currency,
  };
}
