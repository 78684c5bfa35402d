import type { Store } from '../../server/db/store.js';

/**
 * What the domain does for an add, without its rules: read the line, write the sum. Inside a transaction that holds
 * the cart lock, so concurrent callers must queue for the exact sum to come out.
 */
export async function addToLine(tx: Store, userId: string, sku: string, quantity: number, now: Date): Promise<number> {
  const { quantity: current } = await tx.carts.lineState(userId, sku);
  const next = (current ?? 0) + quantity;
  await tx.carts.setQuantity(userId, sku, next, now);
  return next;
}
