import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { Cart, Me, Preferences, TokenPair } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { buildServer, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

for (const backend of backends) {
  describe(`two instances over one ${backend.name} database`, () => {
    let db: OpenBackend;
    let a: Server;
    let b: Server;

    before(async () => {
      db = await backend.open();
      // Two servers, two independent store connections: the only thing they share is the database.
      a = await buildServer({ store: db.store });
      b = await buildServer({ store: await db.openAnother() });
    });

    after(() => db.dispose());

    it('serves any request on either instance, and logout-all on one revokes on the other', async () => {
      const email = uniqueEmail();
      const password = 'correct horse battery staple';
      expect((await a.inject({ method: 'POST', url: '/auth/register', payload: { email, password } })).statusCode).to.equal(201);
      const tokens = (await b.inject({ method: 'POST', url: '/auth/login', payload: { email, password } })).result as TokenPair;
      const headers = { authorization: `Bearer ${tokens.accessToken}` };
      const [sku1, sku2] = (await db.store.products.list({ limit: 2, offset: 0 })).items.map((p) => p.sku);

      const instances = [a, b];
      for (let i = 0; i < 6; i++) {
        const server = instances[i % 2]!;
        const res = await server.inject({ method: 'POST', url: '/cart/items', headers, payload: { sku: i % 3 === 0 ? sku1 : sku2, quantity: 1 } });
        expect(res.statusCode).to.equal(200);
      }
      await a.inject({ method: 'PUT', url: '/preferences/theme', headers, payload: { value: 'dark' } });

      const fromA = await a.inject({ method: 'GET', url: '/cart', headers });
      const fromB = await b.inject({ method: 'GET', url: '/cart', headers });
      expect(fromA.result).to.equal(fromB.result);
      expect((fromB.result as Cart).itemCount).to.equal(6);
      expect((fromB.result as Cart).version).to.equal(6);
      expect(((await b.inject({ method: 'GET', url: '/preferences', headers })).result as Preferences).preferences).to.equal({ theme: 'dark' });
      expect(((await b.inject({ method: 'GET', url: '/me', headers })).result as Me).email).to.equal(email);

      // Refresh on B, use the new pair on A.
      const refreshed = (await b.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: tokens.refreshToken } })).result as TokenPair;
      const replayOnA = await a.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: tokens.refreshToken } });
      expect((replayOnA.result as ErrorBody).code).to.equal('REFRESH_TOKEN_REUSED');

      const fresh = (await a.inject({ method: 'POST', url: '/auth/login', payload: { email, password } })).result as TokenPair;
      expect((await a.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: `Bearer ${fresh.accessToken}` }, payload: { all: true } })).statusCode).to.equal(204);
      for (const token of [tokens.accessToken, refreshed.accessToken, fresh.accessToken]) {
        const res = await b.inject({ method: 'GET', url: '/cart', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).to.equal(401);
        expect((res.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
      }
    });

    it('gives identical answers to concurrent adds spread over both instances', async () => {
      const email = uniqueEmail();
      const password = 'correct horse battery staple';
      await a.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
      const tokens = (await a.inject({ method: 'POST', url: '/auth/login', payload: { email, password } })).result as TokenPair;
      const headers = { authorization: `Bearer ${tokens.accessToken}` };
      const sku = (await db.store.products.list({ limit: 1, offset: 0 })).items[0]!.sku;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => [a, b][i % 2]!.inject({ method: 'POST', url: '/cart/items', headers, payload: { sku, quantity: 1 } })),
      );
      expect(results.map((res) => res.statusCode).filter((code) => code !== 200)).to.equal([]);
      const cart = (await b.inject({ method: 'GET', url: '/cart', headers })).result as Cart;
      expect(cart.lines[0]!.quantity).to.equal(20);
      expect(cart.version).to.equal(20);
    });
  });
}
