import { randomBytes, randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { Cart, ChangeOp, OrderPage, PushChange, PushResponse } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

const newDeviceId = (): string => randomBytes(16).toString('base64url');

for (const backend of backends) {
  describe(`queued checkouts through POST /sync/push on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;

    /** A product of its own for each test, so stock counts never mix. */
    const product = async (stock: number | null, price = 1000): Promise<string> => {
      const sku = `T-${randomUUID().slice(0, 8).toUpperCase()}`;
      await db.store.products.upsert([{ sku, name: `Test ${sku}`, description: '', prices: { EUR: price }, active: true, stock }]);
      return sku;
    };
    const stockOf = async (sku: string): Promise<number | null | undefined> => (await db.store.products.get(sku))?.stock;
    const push = (deviceId: string, changes: PushChange[], firstPush = false) =>
      server.inject(as(user, { method: 'POST', url: '/sync/push', payload: { deviceId, firstPush, changes } }));
    const place = (sku: string, quantity: number, unitPrice: number): ChangeOp => ({
      kind: 'order.place',
      expect: { lines: [{ sku, quantity, unitPrice }], subtotal: quantity * unitPrice, currency: 'EUR' },
    });
    const orders = async () => (await server.inject(as(user, { method: 'GET', url: '/orders' }))).result as OrderPage;
    const cart = async () => (await server.inject(as(user, { method: 'GET', url: '/cart' }))).result as Cart;

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
    });

    after(() => db.dispose());

    beforeEach(async () => {
      user = await registerAndLogin(server);
    });

    it('places a queued order in its turn, after the cart changes queued before it, and answers with the order', async () => {
      const sku = await product(5, 700);
      const device = newDeviceId();
      const res = await push(device, [{ seq: 1, op: { kind: 'cart.add', sku, quantity: 2 } }, { seq: 2, op: place(sku, 2, 700) }], true);
      expect(res.statusCode, res.payload).to.equal(200);
      const { results } = res.result as PushResponse;
      expect(results.map((result) => [result.seq, result.outcome])).to.equal([[1, 'applied'], [2, 'applied']]);
      const answer = results[1]!.outcome === 'applied' ? results[1]!.answer : undefined;
      expect(answer?.kind).to.equal('order');
      const page = await orders();
      expect(page.total).to.equal(1);
      expect(answer?.kind === 'order' ? answer.order : undefined).to.equal(page.items[0]);
      expect(await stockOf(sku)).to.equal(3);
      expect((await cart()).lines).to.equal([]);
    });

    it('answers a resent queued order with the order it placed, and places it once', async () => {
      const sku = await product(5, 700);
      const device = newDeviceId();
      const batch: PushChange[] = [{ seq: 1, op: { kind: 'cart.add', sku, quantity: 1 } }, { seq: 2, op: place(sku, 1, 700) }];
      const first = (await push(device, batch, true)).result as PushResponse;
      const again = await push(device, batch);
      expect(again.headers['shop-repeated-changes']).to.equal('2');
      const { results } = again.result as PushResponse;
      expect(results.map((result) => result.outcome)).to.equal(['repeat', 'repeat']);
      const placed = first.results[1]!.outcome === 'applied' ? first.results[1]!.answer : undefined;
      const repeated = results[1]!.outcome === 'repeat' ? results[1]!.answer : undefined;
      expect(repeated).to.equal(placed);
      expect((await orders()).total).to.equal(1);
      expect(await stockOf(sku)).to.equal(4);
    });

    it('refuses a queued order with CART_CHANGED for good, uses up its sequence, and applies the change behind it', async () => {
      const sku = await product(5, 700);
      const device = newDeviceId();
      const res = await push(
        device,
        [{ seq: 1, op: { kind: 'cart.add', sku, quantity: 2 } }, { seq: 2, op: place(sku, 2, 650) }, { seq: 3, op: { kind: 'prefs.set', key: 'theme', value: 'dark' } }],
        true,
      );
      const { results } = res.result as PushResponse;
      expect(results.map((result) => [result.seq, result.outcome])).to.equal([[1, 'applied'], [2, 'refused'], [3, 'applied']]);
      expect(results[1]!.outcome === 'refused' ? results[1]!.error : undefined).to.include({ status: 409, code: 'CART_CHANGED' });
      expect((await orders()).total).to.equal(0);
      expect(await stockOf(sku)).to.equal(5);
      expect((await cart()).lines.map((line) => [line.sku, line.quantity])).to.equal([[sku, 2]]);
      // Resent, the refusal is answered again and nothing is placed.
      const again = (await push(device, [{ seq: 2, op: place(sku, 2, 650) }])).result as PushResponse;
      expect(again.results.map((result) => [result.seq, result.outcome])).to.equal([[2, 'refused']]);
      expect((await orders()).total).to.equal(0);
    });

    it('rejects a queued order without its price guard with 400 and applies nothing of the batch', async () => {
      const sku = await product(5, 700);
      const res = await push(newDeviceId(), [{ seq: 1, op: { kind: 'cart.add', sku, quantity: 1 } }, { seq: 2, op: { kind: 'order.place' } as unknown as ChangeOp }], true);
      expect(res.statusCode).to.equal(400);
      expect((await cart()).lines).to.equal([]);
    });
  });
}
