import { randomUUID } from 'node:crypto';

import type { Plugin } from '@hapi/hapi';

import { Paths, parseCartETag } from '../../shared/http.js';
import type { CheckoutRequest, OrderPage } from '../../shared/wire.js';
import { currentAccount } from '../auth/strategy.js';
import { getOrder, listOrders, placeOrder } from '../domain/orders.js';
import type { RouteDeps } from './deps.js';
import { runIdempotent, userScope } from './idempotency.js';
import { CartMutationHeaders, CheckoutPayload, OrderParams, OrderQuery } from './schemas.js';

/** Checkout and the user's orders. */
export const orderRoutes: Plugin<RouteDeps> = {
  name: 'shop-orders',
  register(server, { store, now, idempotency }) {
    server.route([
      {
        method: 'POST',
        path: Paths.orders,
        options: {
          description: 'Check out: order the cart (If-Match with the cart version, and/or the price guard in the body)',
          validate: { payload: CheckoutPayload, headers: CartMutationHeaders },
          handler: (request, h) => {
            const user = currentAccount(request, 'place orders');
            const ifMatch: unknown = request.headers['if-match'];
            const payload = (request.payload ?? {}) as CheckoutRequest;
            return runIdempotent(request, h, idempotency, userScope(user.id), async (tx) => {
              const order = await placeOrder(tx, user.id, {
                ifMatch: typeof ifMatch === 'string' ? parseCartETag(ifMatch) : undefined,
                expect: payload.expect,
                // Made inside the keyed transaction: a replay answers with the stored order, never a second id.
                id: randomUUID(),
                now: now(),
              });
              return { status: 201, body: order, headers: { location: Paths.order(order.id) } };
            });
          },
        },
      },
      {
        method: 'GET',
        path: Paths.orders,
        options: {
          description: "The user's orders, newest first",
          validate: { query: OrderQuery },
          handler: async (request): Promise<OrderPage> => {
            const { limit, offset } = request.query as { limit: number; offset: number };
            const page = await listOrders(store, currentAccount(request, 'have orders').id, limit, offset);
            return { ...page, limit, offset };
          },
        },
      },
      {
        method: 'GET',
        path: '/orders/{id}',
        options: {
          description: 'One order of the user',
          validate: { params: OrderParams },
          handler: (request) => getOrder(store, currentAccount(request, 'have orders').id, (request.params as { id: string }).id),
        },
      },
    ]);
  },
};

