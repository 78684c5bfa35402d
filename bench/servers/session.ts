/** What the two stateful references share: the session cookie, and the cart a new session starts with. */
import type { ServerStateCookieOptions } from '@hapi/hapi';

import { demoCatalog } from '../../server/db/demo-catalog.js';
import type { CartRecord } from '../../server/db/store.js';

const products = new Map(demoCatalog.map((product) => [product.sku, product]));

/** `sid`: the session id, as it is, in a cookie. */
export const SESSION_COOKIE: ServerStateCookieOptions = { isSecure: false, isHttpOnly: true, path: '/', encoding: 'none', strictHeader: true };

/** A cart with a line of each SKU (1, 2, 3… of them), as `POST /session {skus}` creates it. */
export function sessionCart(skus: readonly string[]): CartRecord {
  const lines = skus.map((sku, index) => {
    const product = products.get(sku);
    if (!product) {
      throw new Error(`unknown sku ${sku}`);
    }
    return { sku, name: product.name, quantity: index + 1, prices: product.prices, addedAt: new Date(), active: product.active, stock: product.stock ?? null };
  });
  return { version: lines.length, currencyPreference: undefined, lines };
}
