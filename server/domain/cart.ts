import { type CartDecision, type CartLineView, decideAdd, decideClear, decideRemove, decideSet, productState } from '../../shared/rules/cart.js';
import { stockWarning } from '../../shared/rules/checkout.js';
import { refusals } from '../../shared/rules/refusals.js';
import { cartCurrency, priceIn } from '../../shared/rules/pricing.js';
import { cartTotals } from '../../shared/rules/totals.js';
import type { Cart, ChangeOp, StockWarning } from '../../shared/wire.js';
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

/** A cart change a sync batch applies: one of the cart kinds of `ChangeOp`. */
export type CartChangeOp = Extract<ChangeOp, { kind: `cart.${string}` }>;

/** What a cart mutation decided, and the stock warning its answer carries (an add past the stock). */
interface Decided {
  decision: CartDecision;
  warning: StockWarning | null;
}

/**
 * Adds `quantity` of `sku`, on top of what the line already holds. Stock is not reserved: when the line now holds more
 * than is in stock, the answer carries a warning (checkout is where stock is enforced).
 */
export function addItem(store: Store, userId: string, sku: string, quantity: number, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, { kind: 'cart.add', sku, quantity });
}

/** Sets the line to exactly `quantity`; 0 removes it. */
export function setItem(store: Store, userId: string, sku: string, quantity: number, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, { kind: 'cart.set', sku, quantity });
}

/** Removing a line the cart does not have succeeds and changes nothing, so a retried removal is harmless. */
export function removeItem(store: Store, userId: string, sku: string, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, { kind: 'cart.remove', sku });
}

export function clearCart(store: Store, userId: string, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, { kind: 'cart.clear' });
}

/**
 * One cart change inside a transaction that already holds the cart's lock (a sync batch takes it up front), without
 * reading the cart back: a batch reads it once for the last change whose answer it sends. Returns the warnings that
 * change's answer carries; refuses (throws) before writing anything, as every cart mutation does.
 */
export async function changeLockedCart(tx: Store, userId: string, op: CartChangeOp, now: Date): Promise<StockWarning[]> {
  const warning = await write(tx, userId, now, await decide(tx, userId, op));
  return warning === null ? [] : [warning];
}

/** The cart as the answer to a change shows it: with the change's warnings, if any. */
export async function answerCart(tx: Store, userId: string, warnings: readonly StockWarning[]): Promise<Cart> {
  const cart = toCart(await tx.carts.get(userId));
  return warnings.length === 0 ? cart : { ...cart, warnings: [...warnings] };
}

/**
 * The frame of every cart mutation: one transaction that locks the cart row first, so mutations of one cart run one
 * after another on any number of instances; checks `If-Match`; reads what the rule needs and lets it decide; makes
 * the write it says (or refuses); bumps the version only when something was written; answers with the cart as
 * committed.
 */
function mutateCart(store: Store, userId: string, options: CartMutationOptions, op: CartChangeOp): Promise<Cart> {
  return store.transaction(async (tx) => {
    const version = await tx.carts.lock(userId);
    if (options.ifMatch !== undefined && options.ifMatch !== version) {
      throw refused(refusals.precondition(version, options.ifMatch));
    }
    const warning = await write(tx, userId, options.now, await decide(tx, userId, op));
    return answerCart(tx, userId, warning === null ? [] : [warning]);
  });
}

/** Reads what the rule for `op` needs and lets it decide. */
async function decide(tx: Store, userId: string, op: CartChangeOp): Promise<Decided> {
  switch (op.kind) {
    case 'cart.add': {
      const state = await tx.carts.lineState(userId, op.sku);
      const decision = decideAdd(internals.view(state), op.sku, op.quantity);
      const warning =
        decision.kind === 'write' && decision.write.op === 'put' ? stockWarning(op.sku, decision.write.quantity, state.product?.stock ?? null) : null;
      return { decision, warning };
    }
    case 'cart.set':
      return { decision: decideSet(await lineView(tx, userId, op.sku), op.sku, op.quantity), warning: null };
    case 'cart.remove':
      return { decision: decideRemove(await lineView(tx, userId, op.sku), op.sku), warning: null };
    case 'cart.clear':
      return { decision: decideClear({ lineCount: await tx.carts.countLines(userId) }), warning: null };
  }
}

/** Makes the write the decision says (or throws its refusal) and bumps the version when something was written. */
async function write(tx: Store, userId: string, now: Date, { decision, warning }: Decided): Promise<StockWarning | null> {
  if (decision.kind === 'refuse') {
    throw refused(decision.refusal);
  }
  if (decision.kind === 'write') {
    const { write } = decision;
    switch (write.op) {
      case 'put':
        await tx.carts.setQuantity(userId, write.sku, write.quantity, now);
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
  return warning;
}

async function lineView(tx: Store, userId: string, sku: string): Promise<CartLineView> {
  return internals.view(await tx.carts.lineState(userId, sku));
}
