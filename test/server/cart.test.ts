import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { Cart } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

for (const backend of backends) {
  describe(`cart routes on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;
    let sku: string;
    let price: number;
    let inactiveSku: string;

    const add = (item: { sku: string; quantity: unknown }, headers: Record<string, string> = {}) =>
      server.inject(as(user, { method: 'POST', url: '/cart/items', payload: item, headers }));

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
      const all = await db.store.products.list({ includeInactive: true, limit: 100, offset: 0 });
      const active = all.items.filter((product) => product.active);
      sku = active[0]!.sku;
      price = active[0]!.prices.EUR!;
      inactiveSku = all.items.find((product) => !product.active)!.sku;
    });

    after(() => db.dispose());

    beforeEach(async () => {
      user = await registerAndLogin(server);
    });

    it('answers an empty cart at version 0 with an ETag', async () => {
      const res = await server.inject(as(user, { method: 'GET', url: '/cart' }));
      expect(res.statusCode).to.equal(200);
      expect(res.result).to.equal({
        lines: [],
        subtotal: 0,
        currency: 'EUR',
        currencyChoice: { reason: 'default', preferred: null, unpriced: [] },
        itemCount: 0,
        version: 0,
      });
      expect(res.headers.etag).to.equal('"0"');
    });

    it('refuses a token on the very next GET /cart once it is revoked, though the cart comes with the user row', async () => {
      await add({ sku, quantity: 1 });
      expect((await server.inject(as(user, { method: 'GET', url: '/cart' }))).statusCode).to.equal(200);
      const logout = await server.inject(as(user, { method: 'POST', url: '/auth/logout', payload: { all: true } }));
      expect(logout.statusCode).to.equal(204);

      const res = await server.inject(as(user, { method: 'GET', url: '/cart' }));

      expect(res.statusCode).to.equal(401);
      expect((res.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
    });

    it('adds an item and returns the whole cart with totals', async () => {
      const res = await add({ sku, quantity: 2 });
      expect(res.statusCode).to.equal(200);
      const cart = res.result as Cart;
      expect(cart.lines).to.have.length(1);
      expect(cart.lines[0]).to.include({ sku, quantity: 2, unitPrice: price, lineTotal: price * 2 });
      expect(cart).to.include({ subtotal: price * 2, itemCount: 2, version: 1 });
      expect(res.headers.etag).to.equal('"1"');
    });

    it('takes a SKU typed in lower case as the upper-case one', async () => {
      const res = await add({ sku: sku.toLowerCase(), quantity: 1 });
      const removed = await server.inject(as(user, { method: 'DELETE', url: `/cart/items/${sku.toLowerCase()}` }));

      expect(res.statusCode).to.equal(200);
      expect((res.result as Cart).lines.map((line) => line.sku)).to.equal([sku]);
      expect((removed.result as Cart).lines).to.equal([]);
    });

    it('adds quantity to an existing line', async () => {
      await add({ sku, quantity: 2 });
      const cart = (await add({ sku, quantity: 3 })).result as Cart;
      expect(cart.lines[0]!.quantity).to.equal(5);
      expect(cart.version).to.equal(2);
    });

    it('applies concurrent adds exactly once each', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => add({ sku, quantity: 1 })));
      expect(results.every((res) => res.statusCode === 200)).to.be.true();
      const cart = (await server.inject(as(user, { method: 'GET', url: '/cart' }))).result as Cart;
      expect(cart.lines[0]!.quantity).to.equal(10);
      expect(cart.version).to.equal(10);
    });

    it('refuses to push a line over 99 with QUANTITY_LIMIT and changes nothing', async () => {
      await add({ sku, quantity: 98 });
      const res = await add({ sku, quantity: 2 });
      expect(res.statusCode).to.equal(422);
      expect((res.result as ErrorBody).code).to.equal('QUANTITY_LIMIT');
      expect((res.result as ErrorBody).message).to.contain(`already has 98 of ${sku}`);
      const cart = await db.store.carts.get((await db.store.users.findByEmail(user.email))!.id);
      expect(cart.lines[0]!.quantity).to.equal(98);
      expect(cart.version).to.equal(1);
    });

    it('refuses zero, negative and fractional quantities', async () => {
      for (const quantity of [0, -1]) {
        const res = await add({ sku, quantity });
        expect((res.result as ErrorBody).code).to.equal('QUANTITY_LIMIT');
      }
      for (const quantity of [1.5, '2', null]) {
        const res = await add({ sku, quantity });
        expect(res.statusCode).to.equal(400);
        expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
      }
    });

    it('answers 404 SKU_NOT_FOUND for unknown and inactive products', async () => {
      for (const missing of ['NO-SUCH-SKU', inactiveSku]) {
        const res = await add({ sku: missing, quantity: 1 });
        expect(res.statusCode).to.equal(404);
        expect((res.result as ErrorBody).code).to.equal('SKU_NOT_FOUND');
      }
    });

    it('sets a quantity, and 0 removes the line', async () => {
      await add({ sku, quantity: 2 });
      const set = await server.inject(as(user, { method: 'PUT', url: `/cart/items/${sku}`, payload: { quantity: 7 } }));
      expect((set.result as Cart).lines[0]!.quantity).to.equal(7);
      const zero = await server.inject(as(user, { method: 'PUT', url: `/cart/items/${sku}`, payload: { quantity: 0 } }));
      expect((zero.result as Cart).lines).to.equal([]);
    });

    it('refuses to set more than 99 with QUANTITY_LIMIT', async () => {
      const res = await server.inject(as(user, { method: 'PUT', url: `/cart/items/${sku}`, payload: { quantity: 100 } }));
      expect(res.statusCode).to.equal(422);
      expect((res.result as ErrorBody).code).to.equal('QUANTITY_LIMIT');
    });

    it('removes a line, and removing a missing line changes nothing', async () => {
      await add({ sku, quantity: 2 });
      const res = await server.inject(as(user, { method: 'DELETE', url: `/cart/items/${sku}` }));
      expect(res.statusCode).to.equal(200);
      expect((res.result as Cart)).to.include({ lines: [], version: 2 });
      const again = await server.inject(as(user, { method: 'DELETE', url: `/cart/items/${sku}` }));
      expect((again.result as Cart).version).to.equal(2);
    });

    it('clears the cart', async () => {
      await add({ sku, quantity: 2 });
      const res = await server.inject(as(user, { method: 'DELETE', url: '/cart' }));
      expect(res.statusCode).to.equal(200);
      expect((res.result as Cart)).to.include({ lines: [], itemCount: 0, subtotal: 0 });
    });

    it('honours If-Match and answers 412 for a stale version', async () => {
      await add({ sku, quantity: 1 });
      const ok = await add({ sku, quantity: 1 }, { 'if-match': '"1"' });
      expect(ok.statusCode).to.equal(200);
      const stale = await add({ sku, quantity: 1 }, { 'if-match': '"1"' });
      expect(stale.statusCode).to.equal(412);
      expect((stale.result as ErrorBody).code).to.equal('PRECONDITION_FAILED');
      const garbage = await add({ sku, quantity: 1 }, { 'if-match': 'yesterday' });
      expect(garbage.statusCode).to.equal(400);
    });

    it('refuses a 101st line with CART_TOO_LARGE', async () => {
      const id = (await db.store.users.findByEmail(user.email))!.id;
      const extra = Array.from({ length: 101 }, (_, i) => ({
        sku: `BULK-${String(i).padStart(3, '0')}`,
        name: `Bulk item ${i}`,
        description: 'test product',
        prices: { EUR: 100 },
        active: true,
      }));
      await db.store.products.upsert(extra);
      for (const product of extra.slice(0, 100)) {
        await db.store.transaction(async (tx) => {
          await tx.carts.lock(id);
          await tx.carts.setQuantity(id, product.sku, 1, new Date());
        });
      }
      const res = await add({ sku: extra[100]!.sku, quantity: 1 });
      expect(res.statusCode).to.equal(422);
      expect((res.result as ErrorBody).code).to.equal('CART_TOO_LARGE');
      expect(await db.store.carts.countLines(id)).to.equal(100);
      const existing = await add({ sku: extra[0]!.sku, quantity: 1 });
      expect(existing.statusCode).to.equal(200);
    });

    it('keeps each user to their own cart', async () => {
      const other = await registerAndLogin(server);
      await add({ sku, quantity: 3 });
      const res = await server.inject(as(other, { method: 'GET', url: '/cart' }));
      expect((res.result as Cart).lines).to.equal([]);
    });

    it('needs a token', async () => {
      const res = await server.inject({ method: 'POST', url: '/cart/items', payload: { sku, quantity: 1 } });
      expect(res.statusCode).to.equal(401);
    });
  });
}
