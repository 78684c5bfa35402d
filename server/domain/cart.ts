import { type CartDecision, type CartLineView, decideAdd, decideClear, decideRemove, decideSet, productState } from '../../shared/rules/cart.js';
import { stockWarning } from '../../shared/rules/checkout.js';
import { refusals } from '../../shared/rules/refusals.js';
import { cartCurrency, priceIn } from '../../shared/rules/pricing.js';
import { cartTotals } from '../../shared/rules/totals.js';
import type { Cart, StockWarning } from '../../shared/wire.js';
import type { CartLineState, CartRecord, Store } from '../db/store.js';
import { refused } from './errors.js';

const internals = {
  view(state: CartLineState): CartLineView {
    return { quantity: state.quantity ?? 0, lineCount: state.lineCount, product: productState(state.product) };
  },
};

/** Options every cart mutation takes. */
export interface CartMutationOptions {
  /** The cart version from `If-Match`; the mutation fails with 412 unless it is current. */
  ifMatch?: number | undefined;
  now: Date;
}

/**
 * The cart as the API shows it, in the currency the shared rule picks from the user's preference (read with the
 * lines): line totals, subtotal and item count come from the shared rules too.
 */
export function toCart(record: CartRecord): Cart {
  const { currency, reason, preferred, unpriced } = cartCurrency(record.currencyPreference, record.lines);
  const totals = cartTotals(
    record.lines.map((line) => {
      const unitPrice = priceIn(line.prices, currency);
      if (unitPrice === null) {
        // The rule only falls back to the catalogue currency, which every product has a price in.
        throw new Error(`product ${line.sku} has no ${currency} price`);
      }
      return { sku: line.sku, name: line.name, quantity: line.quantity, unitPrice };
    }),
  );
  const lines = totals.lines.map((line, index) => ({ ...line, prices: { ...record.lines[index]?.prices } }));
  return { ...totals, lines, currency, currencyChoice: { reason, preferred, unpriced }, version: record.version };
}

export async function getCart(store: Store, userId: string): Promise<Cart> {
  return toCart(await store.carts.get(userId));
}

/**
 * Adds `quantity` of `sku`, on top of what the line already holds. Stock is not reserved: when the line now holds more
 * than is in stock, the answer carries a warning (checkout is where stock is enforced).
 */
export async function addItem(store: Store, userId: string, sku: string, quantity: number, options: CartMutationOptions): Promise<Cart> {
  let warning: StockWarning | null = null;
  const cart = await mutateCart(store, userId, options, async (tx) => {
    const state = await tx.carts.lineState(userId, sku);
    const decision = decideAdd(internals.view(state), sku, quantity);
    if (decision.kind === 'write' && decision.write.op === 'put') {
      warning = stockWarning(sku, decision.write.quantity, state.product?.stock ?? null);
    }
    return decision;
  });
  return warning === null ? cart : { ...cart, warnings: [warning] };
}

/** Sets the line to exactly `quantity`; 0 removes it. */
export function setItem(store: Store, userId: string, sku: string, quantity: number, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, async (tx) => decideSet(await lineView(tx, userId, sku), sku, quantity));
}

/** Removing a line the cart does not have succeeds and changes nothing, so a retried removal is harmless. */
export function removeItem(store: Store, userId: string, sku: string, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, async (tx) => decideRemove(await lineView(tx, userId, sku), sku));
}

export function clearCart(store: Store, userId: string, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, async (tx) => decideClear({ lineCount: await tx.carts.countLines(userId) }));
}

/**
 * The frame of every cart mutation: one transaction that locks the cart row first, so mutations of one cart run one
 * after another on any number of instances; checks `If-Match`; reads what the rule needs and lets it decide; makes
 * the write it says (or refuses); bumps the version only when something was written; answers with the cart as
 * committed.
 */
function mutateCart(store: Store, userId: string, options: CartMutationOptions, decide: (tx: Store) => Promise<CartDecision>): Promise<Cart> {
  return store.transaction(async (tx) => {
    const version = await tx.carts.lock(userId);
    if (options.ifMatch !== undefined && options.ifMatch !== version) {
      throw refused(refusals.precondition(version, options.ifMatch));
    }
    const decision = await decide(tx);
    if (decision.kind === 'refuse') {
      throw refused(decision.refusal);
    }
    if (decision.kind === 'write') {
      const { write } = decision;
      switch (write.op) {
        case 'put':
          await tx.carts.setQuantity(userId, write.sku, write.quantity, options.now);
          break;
        case 'delete':
          await tx.carts.removeLine(userId, write.sku);
          break;
        case 'clear':
          await tx.carts.clear(userId);
          break;
      }
      await tx.carts.bumpVersion(userId);
    }
    return toCart(await tx.carts.get(userId));
  });
}

async function lineView(tx: Store, userId: string, sku: string): Promise<CartLineView> {
  return internals.view(await tx.carts.lineState(userId, sku));
}
