import { randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { AccountExport, Cart, Order, OrderPage, ProductPage } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

for (const backend of backends) {
  describe(`orders on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;

    /** A product of its own for each test, so stock counts never mix. */
    const product = async (stock: number | null, price = 1000, active = true): Promise<string> => {
      const sku = `T-${randomUUID().slice(0, 8).toUpperCase()}`;
      await db.store.products.upsert([{ sku, name: `Test ${sku}`, description: '', prices: { EUR: price }, active, stock }]);
      return sku;
    };
    const stockOf = async (sku: string): Promise<number | null | undefined> => (await db.store.products.get(sku))?.stock;
    const add = async (who: TestUser, sku: string, quantity: number): Promise<Cart> => {
      const res = await server.inject(as(who, { method: 'POST', url: '/cart/items', payload: { sku, quantity } }));
      expect(res.statusCode, res.payload).to.equal(200);
      return res.result as Cart;
    };
    const checkout = (who: TestUser, headers: Record<string, string>, payload?: object) =>
      server.inject(as(who, { method: 'POST', url: '/orders', headers, ...(payload === undefined ? {} : { payload }) }));

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
    });

    after(() => db.dispose());

    beforeEach(async () => {
      user = await registerAndLogin(server);
    });

    it('shows stock in the catalogue: a count, or null when unlimited', async () => {
      const res = await server.inject({ method: 'GET', url: '/products?limit=100' });
      const items = (res.result as ProductPage).items;
      expect(items.find((item) => item.sku === 'LAMP-DESK-OAK')!.stock).to.equal(3);
      expect(items.find((item) => item.sku === 'MUG-BLUE')!.stock).to.be.null();
    });

    it('warns, without refusing, when a line holds more than is in stock', async () => {
      const sku = await product(2);
      expect((await add(user, sku, 2)).warnings).to.not.exist();
      const cart = await add(user, sku, 1);
      expect(cart.lines[0]!.quantity).to.equal(3);
      expect(cart.warnings).to.equal([{ code: 'EXCEEDS_STOCK', sku, quantity: 3, available: 2, message: cart.warnings![0]!.message }]);
    });

    it('places an order of the cart, with price snapshots, takes the stock and empties the cart', async () => {
      const limited = await product(5, 1250);
      const unlimited = await product(null, 300);
      await add(user, limited, 2);
      const cart = await add(user, unlimited, 3);
      const res = await checkout(user, { 'if-match': `"${cart.version}"`, 'idempotency-key': randomUUID() });
      expect(res.statusCode, res.payload).to.equal(201);
      const order = JSON.parse(res.payload) as Order;
      expect(res.headers.location).to.equal(`/orders/${order.id}`);
      expect(order).to.include({ state: 'placed', subtotal: 2 * 1250 + 3 * 300, currency: 'EUR', itemCount: 5 });
      expect(order.lines).to.equal([
        { sku: limited, name: `Test ${limited}`, quantity: 2, unitPrice: 1250, lineTotal: 2500 },
        { sku: unlimited, name: `Test ${unlimited}`, quantity: 3, unitPrice: 300, lineTotal: 900 },
      ]);
      expect(await stockOf(limited)).to.equal(3);
      expect(await stockOf(unlimited)).to.be.null();
      const after = (await server.inject(as(user, { method: 'GET', url: '/cart' }))).result as Cart;
      expect(after.lines).to.equal([]);
      expect(after.version).to.equal(cart.version + 1);
    });

    it('keeps the price the order was placed at when the catalogue price changes later', async () => {
      const sku = await product(null, 500);
      const cart = await add(user, sku, 1);
      const order = JSON.parse((await checkout(user, { 'if-match': `"${cart.version}"` })).payload) as Order;
      await db.store.products.upsert([{ sku, name: 'Renamed', description: '', prices: { EUR: 900 }, active: true, stock: null }]);
      const again = (await server.inject(as(user, { method: 'GET', url: `/orders/${order.id}` }))).result as Order;
      expect(again.lines[0]).to.include({ name: `Test ${sku}`, unitPrice: 500 });
      expect(again.subtotal).to.equal(500);
    });

    it('answers a repeated checkout with the same Idempotency-Key with the same order, placed once', async () => {
      const sku = await product(4);
      const cart = await add(user, sku, 1);
      const headers = { 'if-match': `"${cart.version}"`, 'idempotency-key': randomUUID() };
      const first = await checkout(user, headers);
      const second = await checkout(user, headers);
      expect(first.statusCode).to.equal(201);
      expect(second.statusCode).to.equal(201);
      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(second.payload).to.equal(first.payload);
      expect(await stockOf(sku)).to.equal(3);
      expect(((await server.inject(as(user, { method: 'GET', url: '/orders' }))).result as OrderPage).total).to.equal(1);
    });

    it('refuses an empty cart with 422 CART_EMPTY', async () => {
      const res = await checkout(user, { 'if-match': '"0"' });
      expect(res.statusCode).to.equal(422);
      expect((res.result as ErrorBody).code).to.equal('CART_EMPTY');
    });

    it('refuses with 409 OUT_OF_STOCK naming each short line and what is left, and changes nothing', async () => {
      const scarce = await product(2);
      const gone = await product(1, 1000, true);
      const plenty = await product(null);
      await add(user, scarce, 3);
      await add(user, gone, 1);
      const cart = await add(user, plenty, 1);
      await db.store.products.upsert([{ sku: gone, name: `Test ${gone}`, description: '', prices: { EUR: 1000 }, active: false, stock: 1 }]);
      const res = await checkout(user, { 'if-match': `"${cart.version}"` });
      expect(res.statusCode).to.equal(409);
      const body = res.result as ErrorBody;
      expect(body.code).to.equal('OUT_OF_STOCK');
      expect(body.details).to.equal({ lines: [{ sku: scarce, requested: 3, available: 2 }, { sku: gone, requested: 1, available: 0 }] });
      expect(await stockOf(scarce)).to.equal(2);
      expect(((await server.inject(as(user, { method: 'GET', url: '/cart' }))).result as Cart).version).to.equal(cart.version);
    });

    it('refuses a stale If-Match with 412 PRECONDITION_FAILED', async () => {
      const sku = await product(null);
      const cart = await add(user, sku, 1);
      const res = await checkout(user, { 'if-match': `"${cart.version - 1}"` });
      expect(res.statusCode).to.equal(412);
      expect((res.result as ErrorBody).code).to.equal('PRECONDITION_FAILED');
    });

    it('refuses a checkout with neither If-Match nor a price guard with 428 PRECONDITION_REQUIRED', async () => {
      const sku = await product(null);
      await add(user, sku, 1);
      const res = await checkout(user, {});
      expect(res.statusCode).to.equal(428);
      expect((res.result as ErrorBody).code).to.equal('PRECONDITION_REQUIRED');
    });

    it('places an order whose price guard matches the cart', async () => {
      const sku = await product(null, 700);
      await add(user, sku, 2);
      const res = await checkout(user, {}, { expect: { lines: [{ sku, quantity: 2, unitPrice: 700 }], subtotal: 1400, currency: 'EUR' } });
      expect(res.statusCode, res.payload).to.equal(201);
    });

    it('refuses with 409 CART_CHANGED when a price changed since the total was confirmed', async () => {
      const sku = await product(null, 700);
      await add(user, sku, 2);
      await db.store.products.upsert([{ sku, name: `Test ${sku}`, description: '', prices: { EUR: 750 }, active: true, stock: null }]);
      const res = await checkout(user, {}, { expect: { lines: [{ sku, quantity: 2, unitPrice: 700 }], subtotal: 1400, currency: 'EUR' } });
      expect(res.statusCode).to.equal(409);
      const body = res.result as ErrorBody;
      expect(body.code).to.equal('CART_CHANGED');
      expect(body.details).to.equal({
        lines: [{ sku, expected: { quantity: 2, unitPrice: 700 }, actual: { quantity: 2, unitPrice: 750 } }],
        expected: { subtotal: 1400, currency: 'EUR' },
        actual: { subtotal: 1500, currency: 'EUR' },
      });
    });

    it('lists orders newest first, a page at a time', async () => {
      const sku = await product(null);
      const ids: string[] = [];
      for (let index = 0; index < 3; index++) {
        const cart = await add(user, sku, index + 1);
        ids.push((JSON.parse((await checkout(user, { 'if-match': `"${cart.version}"` })).payload) as Order).id);
      }
      const page = (await server.inject(as(user, { method: 'GET', url: '/orders?limit=2' }))).result as OrderPage;
      expect(page.total).to.equal(3);
      expect(page.items.map((order) => order.itemCount)).to.equal([3, 2]);
      const rest = (await server.inject(as(user, { method: 'GET', url: '/orders?limit=2&offset=2' }))).result as OrderPage;
      expect(rest.items.map((order) => order.id)).to.equal([ids[0]]);
    });

    it("answers 404 ORDER_NOT_FOUND for another user's order", async () => {
      const sku = await product(null);
      const cart = await add(user, sku, 1);
      const order = JSON.parse((await checkout(user, { 'if-match': `"${cart.version}"` })).payload) as Order;
      const other = await registerAndLogin(server);
      const res = await server.inject(as(other, { method: 'GET', url: `/orders/${order.id}` }));
      expect(res.statusCode).to.equal(404);
      expect((res.result as ErrorBody).code).to.equal('ORDER_NOT_FOUND');
    });

    it('exports the orders with the account, and keeps them without the user when the account is deleted', async () => {
      const sku = await product(null, 400);
      const cart = await add(user, sku, 2);
      const order = JSON.parse((await checkout(user, { 'if-match': `"${cart.version}"` })).payload) as Order;
      const exported = (await server.inject(as(user, { method: 'GET', url: '/me/export' }))).result as AccountExport;
      const { id, state, lines, subtotal, itemCount, currency, placedAt } = order;
      expect(JSON.parse(JSON.stringify(exported.orders))).to.equal([{ id, state, lines, subtotal, itemCount, currency, placedAt }]);
      const deleted = await server.inject(as(user, { method: 'DELETE', url: '/me', payload: { password: user.password } }));
      expect(deleted.statusCode).to.equal(204);
      expect((await db.store.orders.list(exported.account.id, 10, 0)).total).to.equal(0);
      // Still in the books, owned by no one: its id is taken.
      const someone = await registerAndLogin(server);
      const someoneId = ((await server.inject(as(someone, { method: 'GET', url: '/me' }))).result as { id: string }).id;
      await expect(db.store.orders.insert({ ...order, userId: someoneId, placedAt: new Date(order.placedAt) })).to.reject();
    });

    it('sells exactly the stock to concurrent checkouts on two instances, never below zero', async () => {
      const sku = await product(3);
      const otherServer = await buildServer({ store: await db.openAnother() });
      const buyers = await Promise.all(Array.from({ length: 8 }, () => registerAndLogin(server)));
      const carts = await Promise.all(buyers.map((buyer) => add(buyer, sku, 1)));
      const results = await Promise.all(
        buyers.map((buyer, index) =>
          (index % 2 === 0 ? server : otherServer).inject(as(buyer, { method: 'POST', url: '/orders', headers: { 'if-match': `"${carts[index]!.version}"` } })),
        ),
      );
      expect(results.filter((res) => res.statusCode === 201)).to.have.length(3);
      expect(results.filter((res) => res.statusCode !== 201).map((res) => (res.result as ErrorBody).code)).to.equal(Array(5).fill('OUT_OF_STOCK'));
      expect(await stockOf(sku)).to.equal(0);
    });
  });
}
