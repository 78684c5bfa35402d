/**
 * The stateful reference on bare Hapi, kept only here: a cookie session id → the user's cart in process memory, and
 * nothing else — no request ids, security headers or error shape. Beside stateful.ts (the same on shop's request
 * pipeline) it shows what that pipeline costs by itself.
 */
import { randomUUID } from 'node:crypto';

import Hapi from '@hapi/hapi';

import type { CartRecord } from '../../server/db/store.js';
import { toCart } from '../../server/domain/cart.js';
import { SESSION_COOKIE, sessionCart } from './session.js';

const carts = new Map<string, CartRecord>();

const server = Hapi.server({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), debug: false });
server.state('sid', SESSION_COOKIE);
server.route([
  { method: 'GET', path: '/healthz', handler: () => ({ status: 'ok' }) },
  {
    method: 'POST',
    path: '/session',
    handler: (request, h) => {
      const sid = randomUUID();
      carts.set(sid, sessionCart((request.payload as { skus: string[] }).skus));
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
