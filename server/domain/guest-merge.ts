import { productState } from '../../shared/rules/cart.js';
import { decideGuestMerge } from '../../shared/rules/guest-merge.js';
import type { GuestMergeReport } from '../../shared/wire.js';
import type { PersonalDataOwner, Store } from '../db/store.js';
import { ShopError } from './errors.js';

/** The guest being merged, as its token named it. */
export interface MergingGuest {
  /** Every key the guest's rows are held under (its id, its requests' idempotency scope). */
  owner: PersonalDataOwner;
  /** The token version the guest's token carries: a guest logged out everywhere since cannot be merged with it. */
  tokenVersion: number;
}

const internals = {
  expired: (): ShopError =>
    new ShopError('GUEST_EXPIRED', 'The guest session has ended (idle too long, or already merged): its cart is gone; log in without it'),
};

/**
 * Merges a guest into an account, in one transaction (the caller's, when `store` is a tx store), and deletes the guest: its cart lines go
 * into the account's cart and its preferences fill the keys the account lacks, as shared/rules/guest-merge.ts decides,
 * and every row naming the guest (personal-data.ts) is erased. 401 `GUEST_EXPIRED` when the guest is gone.
 */
export function mergeGuest(store: Store, accountId: string, guest: MergingGuest, now: Date): Promise<GuestMergeReport> {
  return store.transaction((tx) => merge(tx, accountId, guest, now));
}

async function merge(tx: Store, accountId: string, guest: MergingGuest, now: Date): Promise<GuestMergeReport> {
  const guestId = guest.owner.userId;
  // Locking the cart of a guest that is gone would make a cart row for no user.
  if ((await tx.users.findById(guestId))?.kind !== 'guest') {
    throw internals.expired();
  }
  // The account's cart, then the guest's, then the guest's row: carts before users, as every other writer takes them.
  await tx.carts.lock(accountId);
  await tx.carts.lock(guestId);
  const guestRow = (await tx.users.lock(guestId)) ? await tx.users.findById(guestId) : null;
  if (guestRow === null || guestRow.kind !== 'guest') {
    throw internals.expired();
  }
  if (guestRow.tokenVersion !== guest.tokenVersion) {
    throw new ShopError('TOKEN_REVOKED', 'The guest token was revoked; log in without it');
  }
  const [accountCart, guestCart, accountPreferences, guestPreferences] = [
    await tx.carts.get(accountId),
    await tx.carts.get(guestId),
    await tx.preferences.list(accountId),
    await tx.preferences.list(guestId),
  ];
  const products = new Map((await tx.products.getMany(guestCart.lines.map((line) => line.sku))).map((product) => [product.sku, product]));
  const decision = decideGuestMerge({
    accountLines: accountCart.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    accountPreferenceKeys: Object.keys(accountPreferences),
    guestLines: guestCart.lines.map(({ sku, quantity }) => ({ sku, quantity, product: productState(products.get(sku)) })),
    guestPreferences,
  });
  for (const line of decision.lines) {
    await tx.carts.setQuantity(accountId, line.sku, line.quantity, now);
  }
  if (decision.lines.length > 0) {
    await tx.carts.bumpVersion(accountId);
  }
  for (const { key, value } of decision.preferences) {
    await tx.preferences.set(accountId, key, value, now);
  }
  await tx.accounts.erase(guest.owner);
  return { guestId, ...decision.report };
}
