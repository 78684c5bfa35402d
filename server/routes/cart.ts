import type { Plugin, Request, ResponseToolkit } from '@hapi/hapi';

import { Paths, parseCartETag } from '../../shared/http.js';
import type { AddItemRequest, Cart, SetItemRequest } from '../../shared/wire.js';
import { currentUser } from '../auth/strategy.js';
import { addItem, type CartMutationOptions, clearCart, getCart, removeItem, setItem } from '../domain/cart.js';
import type { RouteDeps } from './deps.js';
import { AddItemPayload, IfMatchHeaders, SetItemPayload, SkuParams } from './schemas.js';

const internals = {
  /** Every cart answer carries the version as a strong ETag (hapi adds the quotes), for clients to send as `If-Match`. */
  reply(h: ResponseToolkit, cart: Cart) {
    return h.response(cart).etag(String(cart.version));
  },
  sku(request: Request): string {
    return (request.params as { sku: string }).sku;
  },
};

/** The authenticated user's cart. Every call reads and writes the database; nothing is kept between requests. */
export const cartRoutes: Plugin<RouteDeps> = {
  name: 'shop-cart',
  register(server, { store, now }) {
    const mutation = (request: Request): CartMutationOptions => {
      const ifMatch: unknown = request.headers['if-match'];
      return { ifMatch: typeof ifMatch === 'string' ? parseCartETag(ifMatch) : undefined, now: now() };
    };

    server.route([
      {
        method: 'GET',
        path: Paths.cart,
        handler: async (request, h) => internals.reply(h, await getCart(store, currentUser(request).id)),
      },
      {
        method: 'POST',
        path: Paths.cartItems,
        options: {
          validate: { payload: AddItemPayload, headers: IfMatchHeaders },
          handler: async (request, h) => {
            const { sku, quantity } = request.payload as AddItemRequest;
            return internals.reply(h, await addItem(store, currentUser(request).id, sku, quantity, mutation(request)));
          },
        },
      },
      {
        method: 'PUT',
        path: '/cart/items/{sku}',
        options: {
          validate: { params: SkuParams, payload: SetItemPayload, headers: IfMatchHeaders },
          handler: async (request, h) => {
            const { quantity } = request.payload as SetItemRequest;
            const cart = await setItem(store, currentUser(request).id, internals.sku(request), quantity, mutation(request));
            return internals.reply(h, cart);
          },
        },
      },
      {
        method: 'DELETE',
        path: '/cart/items/{sku}',
        options: {
          validate: { params: SkuParams, headers: IfMatchHeaders },
          handler: async (request, h) =>
            internals.reply(h, await removeItem(store, currentUser(request).id, internals.sku(request), mutation(request))),
        },
      },
      {
        method: 'DELETE',
        path: Paths.cart,
        options: {
          validate: { headers: IfMatchHeaders },
          handler: async (request, h) => internals.reply(h, await clearCart(store, currentUser(request).id, mutation(request))),
        },
      },
    ]);
  },
};
