/**
 * The stateful reference, kept only here: a cookie session id → the user's cart in process memory. It is what `shop`
 * deliberately is not (a second instance would not know the session, a restart loses every cart). It runs on shop's
 * own request pipeline (createBaseServer: the same Hapi settings, security headers, request ids, request log and error
 * shape) and authenticates through a Hapi auth scheme as shop does, so that against `shop` the one difference is where
 * the state lives: the benchmark measures what statelessness costs, not what the rest of the pipeline costs (for that,
 * see stateful-bare.ts).
 */
import { randomUUID } from 'node:crypto';

import type { UserCredentials } from '@hapi/hapi';

import { parseTrustedProxies } from '../../server/client-address.js';
import type { CartRecord } from '../../server/db/store.js';
import { toCart } from '../../server/domain/cart.js';
import { ShopError } from '../../server/domain/errors.js';
import { createBaseServer } from '../../server/server.js';
import { SESSION_COOKIE, sessionCart } from './session.js';

interface Session {
  user: UserCredentials;
  cart: CartRecord;
}

const sessions = new Map<string, Session>();

const server = await createBaseServer({
  config: { host: '127.0.0.1', port: Number(process.env.PORT ?? 0), trustedProxies: parseTrustedProxies('') },
});
server.state('sid', SESSION_COOKIE);
server.auth.scheme('session', () => ({
  async authenticate(request, h) {
    const session = sessions.get(String(request.state.sid));
    if (session === undefined) {
      throw new ShopError('AUTH_REQUIRED', 'No such session');
    }
    return h.authenticated({ credentials: { user: session.user } });
  },
}));
server.auth.strategy('session', 'session');
server.auth.default('session');

server.route([
  { method: 'GET', path: '/healthz', options: { auth: false }, handler: () => ({ status: 'ok' }) },
  {
    method: 'POST',
    path: '/session',
    options: { auth: false },
    handler: (request, h) => {
      const sid = randomUUID();
      const user = { id: randomUUID(), email: `${sid}@bench.test`, guest: false, tokenVersion: 0, createdAt: new Date() };
      sessions.set(sid, { user, cart: sessionCart((request.payload as { skus: string[] }).skus) });
      return h.response({ sid }).state('sid', sid);
    },
  },
  {
    method: 'GET',
    path: '/cart',
    handler: (request, h) => {
      const session = sessions.get(String(request.state.sid)) as Session; // authenticate found it
      const cart = toCart(session.cart);
      return h.response(cart).etag(String(cart.version)); // as shop's GET /cart answers
    },
  },
]);
await server.start();
process.stdout.write(`ready ${server.info.port}\n`);
process.once('SIGTERM', () => void server.stop({ timeout: 1000 }).then(() => process.exit(0)));
