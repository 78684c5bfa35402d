import type { Plugin, Request, ResponseToolkit } from '@hapi/hapi';

import { cartETag, Paths, parseCartETag } from '../../shared/http.js';
import type { AddItemRequest, Cart, SetItemRequest } from '../../shared/wire.js';
import { AUTH_PLUGIN, currentUser } from '../auth/strategy.js';
import type { Store } from '../db/store.js';
import { ShopError } from '../domain/errors.js';
import { addItem, type CartMutationOptions, clearCart, getCart, removeItem, setItem, toCart } from '../domain/cart.js';
import type { RouteDeps } from './deps.js';
import { type MutationResult, runIdempotent, userScope } from './idempotency.js';
import { AddItemPayload, CartMutationHeaders, SetItemPayload, SkuParams } from './schemas.js';

type CartMutation = (store: Store, userId: string, options: CartMutationOptions) => Promise<Cart>;

const internals = {
  weakETag: /^\s*W\//,
  sku(request: Request): string {
    return (request.params as { sku: string }).sku;
  },
  /** Every cart answer carries the version as a strong ETag, for clients to send back as `If-Match`. */
  result(cart: Cart): MutationResult {
    return { status: 200, body: cart, headers: { etag: cartETag(cart.version) } };
  },
};

/** The authenticated user's cart. Every call reads and writes the database; nothing is kept between requests. */
export const cartRoutes: Plugin<RouteDeps> = {
  name: 'shop-cart',
  register(server, { store, now, idempotency }) {
    /** The handler of every cart mutation: If-Match, Idempotency-Key, then the domain operation. */
    const mutation = (change: (request: Request) => CartMutation) => (request: Request, h: ResponseToolkit) => {
      const user = currentUser(request);
      const ifMatch: unknown = request.headers['if-match'];
      if (typeof ifMatch === 'string' && internals.weakETag.test(ifMatch)) {
        // If-Match compares strongly (RFC 9110 §13.1.1): a weak validator never matches.
        throw new ShopError('PRECONDITION_FAILED', 'If-Match takes the strong ETag GET /cart sent (e.g. "3"); a weak one never matches');
      }
      const options: CartMutationOptions = { ifMatch: typeof ifMatch === 'string' ? parseCartETag(ifMatch) : undefined, now: now() };
      const operation = change(request);
      return runIdempotent(request, h, idempotency, userScope(user.id), async (tx) => internals.result(await operation(tx, user.id, options)));
    };

    server.route([
      {
        method: 'GET',
        path: Paths.cart,
        options: { description: 'The cart, with its version as ETag', plugins: { [AUTH_PLUGIN]: { withCart: true } } },
        handler: async (request, h) => {
          // Authentication read the cart with the user row; a cart read on its own is only a fallback.
          const record = request.app.cart;
          const cart = record === undefined ? await getCart(store, currentUser(request).id) : toCart(record);
          return h.response(cart).etag(String(cart.version)); // hapi adds the quotes and answers If-None-Match
        },
      },
      {
        method: 'POST',
        path: Paths.cartItems,
        options: {
          description: 'Add to a line',
          validate: { payload: AddItemPayload, headers: CartMutationHeaders },
          handler: mutation((request) => {
            const { sku, quantity } = request.payload as AddItemRequest;
            return (tx, userId, options) => addItem(tx, userId, sku, quantity, options);
          }),
        },
      },
      {
        method: 'PUT',
        path: '/cart/items/{sku}',
        options: {
          description: 'Set the quantity of a line (0 removes it)',
          validate: { params: SkuParams, payload: SetItemPayload, headers: CartMutationHeaders },
          handler: mutation((request) => {
            const { quantity } = request.payload as SetItemRequest;
            return (tx, userId, options) => setItem(tx, userId, internals.sku(request), quantity, options);
          }),
        },
      },
      {
        method: 'DELETE',
        path: '/cart/items/{sku}',
        options: {
          description: 'Remove a line',
          validate: { params: SkuParams, headers: CartMutationHeaders },
          handler: mutation((request) => (tx, userId, options) => removeItem(tx, userId, internals.sku(request), options)),
        },
      },
      {
        method: 'DELETE',
        path: Paths.cart,
        options: {
          description: 'Empty the cart',
          validate: { headers: CartMutationHeaders },
          handler: mutation(() => clearCart),
        },
      },
    ]);
  },
};
