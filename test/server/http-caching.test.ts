import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { backends, type OpenBackend } from '../helpers/backends.js';
import { testConfig } from '../helpers/config.js';
import { as, buildServer, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

for (const backend of backends) {
  describe(`HTTP caching on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store, config: testConfig({ catalogMaxAgeSeconds: 120 }) });
      user = await registerAndLogin(server);
    });

    after(() => db.dispose());

    it('lets shared caches keep catalogue answers for the configured time, with a strong ETag', async () => {
      for (const url of ['/products', '/products?q=mug&currency=USD', '/products/MUG-BLUE']) {
        const res = await server.inject({ method: 'GET', url });
        expect(res.statusCode).to.equal(200);
        expect(res.headers['cache-control']).to.equal('public, max-age=120');
        expect(res.headers.etag).to.match(/^"[\w-]{27}"$/);
      }
    });

    it('answers 304 to a matching If-None-Match, and 200 with another ETag when the catalogue changed', async () => {
      const first = await server.inject({ method: 'GET', url: '/products/CAP-NAVY' });
      const etag = first.headers.etag as string;

      const again = await server.inject({ method: 'GET', url: '/products/CAP-NAVY', headers: { 'if-none-match': etag } });
      expect(again.statusCode).to.equal(304);
      expect(again.payload).to.equal('');

      const cap = (await db.store.products.get('CAP-NAVY'))!;
      await db.store.products.upsert([{ ...cap, prices: { ...cap.prices, EUR: 2500 } }]);
      try {
        const changed = await server.inject({ method: 'GET', url: '/products/CAP-NAVY', headers: { 'if-none-match': etag } });
        expect(changed.statusCode).to.equal(200);
        expect(changed.headers.etag).to.not.equal(etag);
      } finally {
        await db.store.products.upsert([cap]);
      }
    });

    it('gives the same catalogue answer the same ETag on another instance', async () => {
      const other = await buildServer({ store: await db.openAnother() });
      const a = await server.inject({ method: 'GET', url: '/products?limit=5' });
      const b = await other.inject({ method: 'GET', url: '/products?limit=5' });
      expect(b.headers.etag).to.equal(a.headers.etag);
    });

    it('never lets a cache keep what is tied to a user, and varies it on Authorization', async () => {
      for (const url of ['/cart', '/preferences', '/me']) {
        const res = await server.inject(as(user, { method: 'GET', url }));
        expect(res.statusCode).to.equal(200);
        expect(res.headers['cache-control']).to.equal('no-store');
        expect(res.headers.vary).to.contain('authorization');
      }
      const added = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-BLUE', quantity: 1 } }));
      expect(added.headers['cache-control']).to.equal('no-store');
    });

    it('marks auth answers and refusals no-store', async () => {
      const login = await server.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: 'wrong password here' } });
      expect(login.headers['cache-control']).to.equal('no-store');
      const anonymous = await server.inject({ method: 'GET', url: '/cart' });
      expect(anonymous.statusCode).to.equal(401);
      expect(anonymous.headers['cache-control']).to.equal('no-store');
    });
  });
}
