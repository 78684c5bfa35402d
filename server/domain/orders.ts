import { availableUnits, checkExpected, type CheckoutLineView, decideCheckout, type ExpectedOrder } from '../../shared/rules/checkout.js';
import { checkoutRefusals, refusals } from '../../shared/rules/refusals.js';
import type { Order } from '../../shared/wire.js';
import type { OrderRecord, Store } from '../db/store.js';
import { toCart } from './cart.js';
import { refused } from './errors.js';

export interface CheckoutOptions {
  /** The cart version from `If-Match`. */
  ifMatch: number | undefined;
  /** The lines and total the user confirmed (the price guard). One of the two is required. */
  expect: ExpectedOrder | undefined;
  /** The new order's id. */
  id: string;
  now: Date;
}

const internals = {
  /**
   * The cart's lines with their products as the catalogue has them now, each priced as the cart shows it (in the
   * currency the shared rule picks from the user's preference), so an order costs exactly what the cart said.
   */
  async lines(tx: Store, userId: string): Promise<CheckoutLineView[]> {
    // One read: the cart as shown and each line's product (active, stock) come from the same statement.
    const record = await tx.carts.get(userId);
    const cart = toCart(record);
    return record.lines.map((line, index) => {
      const unitPrice = cart.lines[index]?.unitPrice;
      if (unitPrice === undefined) {
        throw new Error(`cart line ${line.sku} has no price`);
      }
      return { sku: line.sku, name: line.name, quantity: line.quantity, unitPrice, currency: cart.currency, active: line.active, stock: line.stock };
    });
  },
};

/** An order as the API shows it. */
export function toOrder(record: OrderRecord): Order {
  return {
    id: record.id,
    state: record.state,
    lines: record.lines,
    subtotal: record.subtotal,
    currency: record.currency,
    itemCount: record.itemCount,
    placedAt: record.placedAt.toISOString(),
  };
}

/**
 * Checkout, in one transaction: lock the cart (so no change to it, and no other checkout of it, runs meanwhile); check
 * `If-Match` and the price guard; let the checkout rule decide on the lines and their products; take the stock, line by
 * line, each with a statement that never takes more than is there; write the order with the prices it was decided at;
 * empty the cart and bump its version. Any refusal rolls all of it back.
 */
export function placeOrder(store: Store, userId: string, options: CheckoutOptions): Promise<Order> {
  if (options.ifMatch === undefined && options.expect === undefined) {
    return Promise.reject(refused(checkoutRefusals.preconditionRequired()));
  }
  return store.transaction(async (tx) => {
    const version = await tx.carts.lock(userId);
    if (options.ifMatch !== undefined && options.ifMatch !== version) {
      throw refused(refusals.precondition(version, options.ifMatch));
    }
    const lines = await internals.lines(tx, userId);
    const decision = decideCheckout(lines);
    if (decision.kind === 'refuse') {
      throw refused(decision.refusal);
    }
    if (options.expect !== undefined) {
      const changed = checkExpected(options.expect, decision.order);
      if (changed !== null) {
        throw refused(changed);
      }
    }
    // In SKU order, so two checkouts of the same products lock their rows in the same order and cannot deadlock.
    const taken = new Map<string, number>();
    for (const line of [...lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))) {
      if (!(await tx.orders.takeStock(line.sku, line.quantity))) {
        // Inside a push batch this transaction goes on after the refusal: what this checkout took goes back first.
        for (const [sku, quantity] of taken) {
          await tx.orders.returnStock(sku, quantity);
        }
        // Another checkout took the units after this one read the stock; the statement saw its commit, and so does a new
        // read (made after this checkout's own units went back, so it reports the stock as it is without them).
        const now = await internals.lines(tx, userId);
        const again = decideCheckout(now);
        const left = now.find((candidate) => candidate.sku === line.sku);
        throw refused(
          again.kind === 'refuse'
            ? again.refusal
            : checkoutRefusals.outOfStock([{ sku: line.sku, requested: line.quantity, available: left === undefined ? 0 : Math.min(availableUnits(left), line.quantity - 1) }]),
        );
      }
      taken.set(line.sku, line.quantity);
    }
    const order: OrderRecord = { id: options.id, userId, state: 'placed', ...decision.order, placedAt: options.now };
    await tx.orders.insert(order);
    await tx.carts.clear(userId);
    await tx.carts.bumpVersion(userId);
    return toOrder(order);
  });
}

export async function listOrders(store: Store, userId: string, limit: number, offset: number): Promise<{ items: Order[]; total: number }> {
  const page = await store.orders.list(userId, limit, offset);
  return { items: page.items.map(toOrder), total: page.total };
}

export async function getOrder(store: Store, userId: string, id: string): Promise<Order> {
  const order = await store.orders.get(userId, id);
  if (order === null) {
    throw refused(checkoutRefusals.orderNotFound(id));
  }
  return toOrder(order);
}
