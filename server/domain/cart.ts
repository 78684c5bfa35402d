import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../../shared/limits.js';
import { type Cart, DEFAULT_CURRENCY } from '../../shared/wire.js';
import type { CartRecord, Store } from '../db/store.js';
import { ShopError } from './errors.js';

/** Options every cart mutation takes. */
export interface CartMutationOptions {
  /** The cart version from `If-Match`; the mutation fails with 412 unless it is current. */
  ifMatch?: number | undefined;
  now: Date;
}

/** Computes the cart as the API shows it: line totals, subtotal, item count. */
export function toCart(record: CartRecord): Cart {
  const lines = record.lines.map((line) => ({
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    lineTotal: line.unitPrice * line.quantity,
  }));
  const currencies = new Set(record.lines.map((line) => line.currency));
  if (currencies.size > 1) {
    // The catalog is single-currency; a mixed cart means the catalog broke that rule, and no subtotal is honest.
    throw new Error(`cart mixes currencies: ${[...currencies].join(', ')}`);
  }
  return {
    lines,
    subtotal: lines.reduce((sum, line) => sum + line.lineTotal, 0),
    currency: record.lines[0]?.currency ?? DEFAULT_CURRENCY,
    itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
    version: record.version,
  };
}

export async function getCart(store: Store, userId: string): Promise<Cart> {
  return toCart(await store.carts.get(userId));
}

/**
 * Adds `quantity` of `sku`, on top of what the line already holds. The common case is one statement; the refusals
 * read what they need to explain themselves, and the transaction rolls back whatever that statement did.
 */
export function addItem(store: Store, userId: string, sku: string, quantity: number, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, async (tx) => {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
      throw new ShopError('QUANTITY_LIMIT', `Quantity to add must be a whole number from 1 to ${MAX_LINE_QUANTITY}`);
    }
    await requireActiveProduct(tx, sku);
    const added = await tx.carts.addQuantity(userId, sku, quantity, MAX_LINE_QUANTITY, options.now);
    if (added === null) {
      const current = (await tx.carts.lineQuantity(userId, sku)) ?? 0;
      throw new ShopError('QUANTITY_LIMIT', `A line holds at most ${MAX_LINE_QUANTITY}; the cart already has ${current} of ${sku}`);
    }
    if (added === quantity) {
      // Nothing was there before (a line holds at least 1): this is a new line, which may be one too many.
      await requireLinesAtMost(tx, userId, MAX_CART_LINES);
    }
    return true;
  });
}

/** Sets the line to exactly `quantity`; 0 removes it. */
export function setItem(store: Store, userId: string, sku: string, quantity: number, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, async (tx) => {
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_LINE_QUANTITY) {
      throw new ShopError('QUANTITY_LIMIT', `Quantity must be a whole number from 0 to ${MAX_LINE_QUANTITY}`);
    }
    if (quantity === 0) {
      return tx.carts.removeLine(userId, sku);
    }
    await requireActiveProduct(tx, sku);
    if ((await tx.carts.lineQuantity(userId, sku)) === null) {
      await requireLinesAtMost(tx, userId, MAX_CART_LINES - 1);
    }
    await tx.carts.setQuantity(userId, sku, quantity, options.now);
    return true;
  });
}

/** Removing a line the cart does not have succeeds and changes nothing, so a retried removal is harmless. */
export function removeItem(store: Store, userId: string, sku: string, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, (tx) => tx.carts.removeLine(userId, sku));
}

export function clearCart(store: Store, userId: string, options: CartMutationOptions): Promise<Cart> {
  return mutateCart(store, userId, options, async (tx) => (await tx.carts.clear(userId)) > 0);
}

/**
 * The frame of every cart mutation: one transaction that locks the cart row first, so mutations of one cart run one
 * after another on any number of instances; checks `If-Match`; applies the change; bumps the version only when the
 * change did something; and answers with the cart as committed.
 */
async function mutateCart(
  store: Store,
  userId: string,
  options: CartMutationOptions,
  change: (tx: Store) => Promise<boolean>,
): Promise<Cart> {
  return store.transaction(async (tx) => {
    const version = await tx.carts.lock(userId);
    if (options.ifMatch !== undefined && options.ifMatch !== version) {
      throw new ShopError('PRECONDITION_FAILED', `Cart is at version ${version}, not ${options.ifMatch}; reload it and try again`);
    }
    if (await change(tx)) {
      await tx.carts.bumpVersion(userId);
    }
    return toCart(await tx.carts.get(userId));
  });
}

async function requireActiveProduct(tx: Store, sku: string): Promise<void> {
  const product = await tx.products.get(sku);
  if (!product || !product.active) {
    throw new ShopError('SKU_NOT_FOUND', `No product with SKU ${sku}`);
  }
}

/** Fails with CART_TOO_LARGE when the cart has more than `limit` lines. */
async function requireLinesAtMost(tx: Store, userId: string, limit: number): Promise<void> {
  if ((await tx.carts.countLines(userId)) > limit) {
    throw new ShopError('CART_TOO_LARGE', `A cart holds at most ${MAX_CART_LINES} different products`);
  }
}
