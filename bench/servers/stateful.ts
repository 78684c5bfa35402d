/**
 * The stateful reference, kept only here: a cookie session id → the user's cart in process memory. It is what `shop`
 * deliberately is not (a second instance would not know the session, a restart loses every cart); the benchmark
 * measures what statelessness costs against it.
 */
import { randomUUID } from 'node:crypto';

import Hapi from '@hapi/hapi';

import { demoCatalog } from '../../server/db/demo-catalog.js';
import { toCart } from '../../server/domain/cart.js';
import type { CartRecord } from '../../server/db/store.js';

const carts = new Map<string, CartRecord>();
const products = new Map(demoCatalog.map((product) => [product.sku, product]));

const server = Hapi.server({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), debug: false });
server.state('sid', { isSecure: false, isHttpOnly: true, path: '/', encoding: 'none', strictHeader: true });
server.route([
  { method: 'GET', path: '/healthz', handler: () => ({ status: 'ok' }) },
  {
    method: 'POST',
    path: '/session',
    handler: (request, h) => {
      const { skus } = request.payload as { skus: string[] };
      const sid = randomUUID();
      const lines = skus.map((sku, index) => {
        const product = products.get(sku);
        if (!product) {
          throw new Error(`unknown sku ${sku}`);
        }
        return { sku, name: product.name, quantity: index + 1, unitPrice: product.price, currency: product.currency, addedAt: new Date() };
      });
      carts.set(sid, { version: lines.length, lines });
      return h.response({ sid }).state('sid', sid);
    },
  },
  {
    method: 'GET',
    path: '/cart',
    handler: (request, h) => {
      const cart = carts.get(String(request.state.sid));
      return cart ? toCart(cart) : h.response({ error: 'no session' }).code(401);
    },
  },
]);
await server.start();
process.stdout.write(`ready ${server.info.port}\n`);
process.once('SIGTERM', () => void server.stop({ timeout: 1000 }).then(() => process.exit(0)));
