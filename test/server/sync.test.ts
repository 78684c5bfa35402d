import { randomBytes, randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { AccountExport, Cart, ChangeOp, PushChange, PushResponse } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { testConfig } from '../helpers/config.js';
import { as, buildServer, login, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

const newDeviceId = (): string => randomBytes(16).toString('base64url');

for (const backend of backends) {
  describe(`POST /sync/push on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;
    let skus: string[];
    let clock: number;

    const push = (deviceId: string, changes: PushChange[], options: { firstPush?: boolean; as?: TestUser; on?: Server } = {}) =>
      (options.on ?? server).inject(
        as(options.as ?? user, { method: 'POST', url: '/sync/push', payload: { deviceId, firstPush: options.firstPush ?? false, changes } }),
      );
    const add = (seq: number, quantity = 1, sku = skus[0]!): PushChange => ({ seq, op: { kind: 'cart.add', sku, quantity } });
    const cart = async (who = user) => (await server.inject(as(who, { method: 'GET', url: '/cart' }))).result as Cart;
    const userId = async () => ((await server.inject(as(user, { method: 'GET', url: '/me' }))).result as { id: string }).id;
    const deviceRows = async () => db.store.devices.list(await userId());

    before(async () => {
      db = await backend.open();
      clock = Date.now();
      server = await buildServer({ store: db.store, config: testConfig({ maxDevicesPerUser: 3 }), now: () => new Date(clock) });
      skus = (await db.store.products.list({ limit: 3, offset: 0 })).items.map((product) => product.sku);
    });

    after(() => db.dispose());

    beforeEach(async () => {
      clock = Date.now();
      user = await registerAndLogin(server);
    });

    it('applies a batch in order and answers each change with its own result', async () => {
      const device = newDeviceId();
      const ops: ChangeOp[] = [
        { kind: 'cart.add', sku: skus[0]!, quantity: 2 },
        { kind: 'cart.set', sku: skus[1]!, quantity: 5 },
        { kind: 'prefs.set', key: 'theme', value: 'dark' },
        { kind: 'cart.remove', sku: skus[0]! },
        { kind: 'prefs.unset', key: 'theme' },
      ];
      const res = await push(device, ops.map((op, index) => ({ seq: index + 1, op })), { firstPush: true });
      expect(res.statusCode).to.equal(200);
      const { results } = res.result as PushResponse;
      expect(results.map((result) => [result.seq, result.outcome])).to.equal([[1, 'applied'], [2, 'applied'], [3, 'applied'], [4, 'applied'], [5, 'applied']]);
      expect(results[2]).to.equal({ seq: 3, outcome: 'applied' }); // the unset of the same key, later, answers for it
      expect(results[4]).to.equal({ seq: 5, outcome: 'applied', answer: { kind: 'preference-removed', key: 'theme' } });
      expect((await cart()).lines.map((line) => [line.sku, line.quantity])).to.equal([[skus[1]!, 5]]);
      expect(await deviceRows()).to.part.include([{ deviceId: device, lastSeq: 5 }]);
    });

    it('applies a resent change once and answers it with the current state and a repeat header', async () => {
      const device = newDeviceId();
      await push(device, [add(1, 2)], { firstPush: true });
      await push(device, [add(2, 1, skus[1])]);
      const again = await push(device, [add(1, 2), add(2, 1, skus[1]), add(3, 1)]);
      expect(again.statusCode).to.equal(200);
      expect(again.headers['shop-repeated-changes']).to.equal('2');
      const { results } = again.result as PushResponse;
      expect(results.map((result) => result.outcome)).to.equal(['repeat', 'repeat', 'applied']);
      // Only the batch's last cart change carries the cart: the earlier answers would be older copies of it.
      expect(results.map((result) => result.outcome !== 'refused' && result.answer !== undefined)).to.equal([false, false, true]);
      expect((await cart()).lines.map((line) => [line.sku, line.quantity])).to.equal([[skus[0]!, 3], [skus[1]!, 1]]);
      const alone = (await push(device, [add(1, 2)])).result as PushResponse;
      expect(alone.results).to.equal([{ seq: 1, outcome: 'repeat', answer: { kind: 'cart', cart: await cart() } }]);
    });

    it('applies a change once when its answer was lost and it is resent 40 days later', async () => {
      const device = newDeviceId();
      expect((await push(device, [add(1, 4)], { firstPush: true })).statusCode).to.equal(200); // the answer "lost"
      clock += 40 * 24 * 3600 * 1000;
      const tokens = await login(server, user.email, user.password);
      const later = { ...user, tokens, headers: { authorization: `Bearer ${tokens.accessToken}` } };
      const resent = await push(device, [add(1, 4), add(2, 1)], { as: later });
      expect((resent.result as PushResponse).results.map((result) => result.outcome)).to.equal(['repeat', 'applied']);
      expect((await cart(later)).lines[0]!.quantity).to.equal(5);
    });

    it('refuses one change of a batch for good, applies the rest, and never applies the refused one later', async () => {
      const device = newDeviceId();
      const res = await push(device, [add(1, 1), add(2, 1, 'NO-SUCH-SKU'), add(3, 2, skus[1])], { firstPush: true });
      const { results } = res.result as PushResponse;
      expect(results.map((result) => result.outcome)).to.equal(['applied', 'refused', 'applied']);
      expect(results[1]).to.equal({ seq: 2, outcome: 'refused', error: { status: 404, code: 'SKU_NOT_FOUND', message: (results[1] as { error: { message: string } }).error.message } });
      // The refused sequence is used up: resent (its answer lost), it gets its refusal again and changes nothing.
      const resent = await push(device, [add(2, 1, skus[2])]);
      expect((resent.result as PushResponse).results[0]).to.equal(results[1]);
      expect((await cart()).lines.map((line) => line.sku)).to.equal([skus[0], skus[1]]);
    });

    it('answers the last applied cart change with the cart as it left it, before a later refusal and currency change', async () => {
      const device = newDeviceId();
      const before = await cart();
      const currency = before.currency === 'USD' ? 'GBP' : 'USD';
      const res = await push(
        device,
        [add(1, 2), add(2, 1, skus[1]), add(3, 1, 'NO-SUCH-SKU'), { seq: 4, op: { kind: 'prefs.set', key: 'currency', value: currency } }],
        { firstPush: true },
      );
      const { results } = res.result as PushResponse;
      expect(results.map((result) => result.outcome)).to.equal(['applied', 'applied', 'refused', 'applied']);
      expect(results[0]).to.equal({ seq: 1, outcome: 'applied' });
      const after = await cart();
      expect(after.currency).to.equal(currency);
      // The cart as change 2 left it: same lines and version as now, in the currency it had before change 4.
      const answer = (results[1] as { answer: { kind: 'cart'; cart: Cart } }).answer;
      expect(answer.kind).to.equal('cart');
      expect(answer.cart.currency).to.equal(before.currency);
      expect(answer.cart.version).to.equal(after.version);
      expect(answer.cart.lines.map((line) => [line.sku, line.quantity])).to.equal([[skus[0]!, 2], [skus[1]!, 1]]);
      expect(await deviceRows()).to.part.include([{ deviceId: device, lastSeq: 4 }]);
    });

    it('recognises a repeat that lands on another instance', async () => {
      const other = await buildServer({ store: await db.openAnother(), config: testConfig({ maxDevicesPerUser: 3 }), now: () => new Date(clock) });
      const device = newDeviceId();
      await push(device, [add(1, 1), add(2, 1)], { firstPush: true });
      const res = await push(device, [add(1, 1), add(2, 1), add(3, 1)], { on: other });
      expect((res.result as PushResponse).results.map((result) => result.outcome)).to.equal(['repeat', 'repeat', 'applied']);
      expect((await cart()).lines[0]!.quantity).to.equal(3);
    });

    it('keeps one row for a device that sent 10,000 changes', async () => {
      const device = newDeviceId();
      for (let batch = 0; batch < 100; batch++) {
        const changes = Array.from({ length: 100 }, (_, index): PushChange => {
          const seq = batch * 100 + index + 1;
          return { seq, op: { kind: 'prefs.set', key: 'counter', value: seq } };
        });
        const res = await push(device, changes, { firstPush: batch === 0 });
        expect(res.statusCode).to.equal(200);
      }
      expect(await deviceRows()).to.have.length(1);
      expect((await deviceRows())[0]!.lastSeq).to.equal(10_000);
      const exported = (await server.inject(as(user, { method: 'GET', url: '/me/export' }))).result as AccountExport;
      expect(exported.requests).to.have.length(0);
      expect(exported.devices).to.have.length(1);
    });

    it('refuses with DEVICE_UNKNOWN a device that says it pushed before but the server does not know', async () => {
      const res = await push(newDeviceId(), [add(7, 1)]);
      expect(res.statusCode).to.equal(409);
      expect((res.result as ErrorBody).code).to.equal('DEVICE_UNKNOWN');
      expect((await cart()).lines).to.equal([]);
      expect(await deviceRows()).to.equal([]);
    });

    it('evicts the least recently seen device past the limit, and the evicted one applies nothing blindly', async () => {
      const devices = [newDeviceId(), newDeviceId(), newDeviceId(), newDeviceId()];
      for (const [index, device] of devices.entries()) {
        clock += 1000;
        await push(device, [{ seq: 1, op: { kind: 'prefs.set', key: `d${index}`, value: index } }], { firstPush: true });
      }
      const kept = (await deviceRows()).map((row) => row.deviceId);
      expect(kept.sort()).to.equal(devices.slice(1).sort());
      const back = await push(devices[0]!, [add(2, 1)]);
      expect(back.statusCode).to.equal(409);
      expect((back.result as ErrorBody).code).to.equal('DEVICE_UNKNOWN');
      expect((await cart()).lines).to.equal([]);
    });

    it('forgets a device on DELETE /sync/devices/{id}, and a device deletion of the account goes with it', async () => {
      const device = newDeviceId();
      const id = await userId();
      await push(device, [add(1, 1)], { firstPush: true });
      const forgotten = await server.inject(as(user, { method: 'DELETE', url: `/sync/devices/${device}` }));
      expect(forgotten.statusCode).to.equal(204);
      expect(await deviceRows()).to.equal([]);
      await push(device, [add(1, 1)], { firstPush: true });
      const deleted = await server.inject(as(user, { method: 'DELETE', url: '/me', payload: { password: user.password } }));
      expect(deleted.statusCode).to.equal(204);
      expect(await db.store.devices.list(id)).to.equal([]);
    });

    it('applies once a change an older shop already sent with its Idempotency-Key', async () => {
      const key = randomUUID();
      const single = await server.inject(as(user, { method: 'PUT', url: `/cart/items/${skus[0]}`, payload: { quantity: 3 }, headers: { 'idempotency-key': key } }));
      expect(single.statusCode).to.equal(200);
      await server.inject(as(user, { method: 'PUT', url: `/cart/items/${skus[0]}`, payload: { quantity: 1 } })); // a later change
      const device = newDeviceId();
      const res = await push(device, [{ seq: 1, key, op: { kind: 'cart.set', sku: skus[0]!, quantity: 3 } }, { seq: 2, key: randomUUID(), op: { kind: 'cart.add', sku: skus[1]!, quantity: 1 } }], { firstPush: true });
      expect((res.result as PushResponse).results.map((result) => result.outcome)).to.equal(['repeat', 'applied']);
      expect((await cart()).lines.map((line) => [line.sku, line.quantity])).to.equal([[skus[0]!, 1], [skus[1]!, 1]]);
    });

    it('rejects a batch whose sequences do not rise, or that is too long, with 400 and applies none of it', async () => {
      const device = newDeviceId();
      const backwards = await push(device, [add(2, 1), add(1, 1)], { firstPush: true });
      expect(backwards.statusCode).to.equal(400);
      const tooLong = await push(device, Array.from({ length: 101 }, (_, index) => add(index + 1)), { firstPush: true });
      expect(tooLong.statusCode).to.equal(400);
      expect((await cart()).lines).to.equal([]);
    });
  });

  describe(`Idempotency-Key storage bound on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;
    let sku: string;
    let clock: number;
    const put = (key: string, quantity: number) =>
      server.inject(as(user, { method: 'PUT', url: `/cart/items/${sku}`, payload: { quantity }, headers: { 'idempotency-key': key } }));

    before(async () => {
      db = await backend.open();
      clock = Date.now();
      const config = testConfig({ idempotency: { retentionSeconds: 24 * 3600, maxRecordsPerUser: 10 } });
      server = await buildServer({ store: db.store, config, now: () => new Date(clock) });
      sku = (await db.store.products.list({ limit: 1, offset: 0 })).items[0]!.sku;
      user = await registerAndLogin(server);
    });

    after(() => db.dispose());

    it('keeps only the newest records of a user at the bound: the newest replays, the oldest runs afresh', async () => {
      const keys = Array.from({ length: 25 }, () => randomUUID());
      for (const [index, key] of keys.entries()) {
        clock += 1;
        expect((await put(key, (index % 9) + 1)).statusCode).to.equal(200);
      }
      const exported = (await server.inject(as(user, { method: 'GET', url: '/me/export' }))).result as AccountExport;
      expect(exported.requests.map((request) => request.idempotencyKey).sort()).to.equal(keys.slice(-10).sort());
      const newest = await put(keys[24]!, (24 % 9) + 1);
      expect(newest.headers['idempotent-replayed']).to.equal('true');
      const oldest = await put(keys[0]!, 1);
      expect(oldest.headers['idempotent-replayed']).to.not.exist();
    });

    it('expires records after the retention (24 hours by default)', async () => {
      const key = randomUUID();
      await put(key, 2);
      clock += 24 * 3600 * 1000 + 1;
      const again = await put(key, 2);
      expect(again.headers['idempotent-replayed']).to.not.exist();
      expect(testConfig().idempotency.retentionSeconds).to.equal(24 * 3600);
    });
  });
}
