import { createHash, randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import type { Server, ServerInjectResponse } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { userScope } from '../../server/routes/idempotency.js';
import type { ErrorBody } from '../../shared/errors.js';
import type { Cart, Preferences } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, registerAndLogin, type TestUser, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

/** What a client sees of a response: status, the exact body bytes, and the headers that matter. */
function seen(res: ServerInjectResponse) {
  return { status: res.statusCode, body: res.payload, type: res.headers['content-type'], etag: res.headers.etag };
}

for (const backend of backends) {
  describe(`Idempotency-Key on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;
    let sku: string;

    const addWithKey = (key: string, quantity = 1, target = server) =>
      target.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku, quantity }, headers: { 'idempotency-key': key } }));
    const cart = async () => (await server.inject(as(user, { method: 'GET', url: '/cart' }))).result as Cart;

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
      sku = (await db.store.products.list({ limit: 1, offset: 0 })).items[0]!.sku;
    });

    after(() => db.dispose());

    beforeEach(async () => {
      user = await registerAndLogin(server);
    });

    it('applies a request repeated 10 times in sequence once, and answers each repeat byte for byte', async () => {
      const key = randomUUID();
      const first = await addWithKey(key, 3);
      expect(first.statusCode).to.equal(200);
      expect(first.headers['idempotent-replayed']).to.not.exist();
      for (let i = 0; i < 9; i++) {
        const again = await addWithKey(key, 3);
        expect(seen(again)).to.equal(seen(first));
        expect(again.headers['idempotent-replayed']).to.equal('true');
      }
      const current = await cart();
      expect(current.lines[0]!.quantity).to.equal(3);
      expect(current.version).to.equal(1);
    });

    it('applies a request sent 10 times concurrently once, and gives every sender the same answer', async () => {
      const key = randomUUID();
      const results = await Promise.all(Array.from({ length: 10 }, () => addWithKey(key, 2)));
      const answers = results.map(seen);
      expect(answers.every((answer) => answer.status === 200)).to.be.true();
      expect(new Set(answers.map((answer) => answer.body)).size).to.equal(1);
      expect(results.filter((res) => res.headers['idempotent-replayed'] === 'true')).to.have.length(9);
      expect((await cart()).lines[0]!.quantity).to.equal(2);
    });

    it('recognises a repeat that lands on another instance', async () => {
      const other = await buildServer({ store: await db.openAnother() });
      const key = randomUUID();
      const first = await addWithKey(key, 4);
      const again = await addWithKey(key, 4, other);
      expect(seen(again)).to.equal(seen(first));
      expect((await cart()).lines[0]!.quantity).to.equal(4);
    });

    it('refuses the same key with a different body with 422 and changes nothing', async () => {
      const key = randomUUID();
      await addWithKey(key, 1);
      const changed = await addWithKey(key, 5);
      expect(changed.statusCode).to.equal(422);
      expect((changed.result as ErrorBody).code).to.equal('IDEMPOTENCY_KEY_REUSED');
      const otherRoute = await server.inject(as(user, { method: 'PUT', url: `/cart/items/${sku}`, payload: { quantity: 1 }, headers: { 'idempotency-key': key } }));
      expect((otherRoute.result as ErrorBody).code).to.equal('IDEMPOTENCY_KEY_REUSED');
      expect((await cart()).lines[0]!.quantity).to.equal(1);
    });

    it('treats the same body with keys in another order as the same request', async () => {
      const key = randomUUID();
      const payloads = [`{"sku":"${sku}","quantity":2}`, `{"quantity":2,"sku":"${sku}"}`];
      const results = [];
      for (const payload of payloads) {
        results.push(await server.inject(as(user, { method: 'POST', url: '/cart/items', payload, headers: { 'idempotency-key': key, 'content-type': 'application/json' } })));
      }
      expect(results.map((res) => res.statusCode)).to.equal([200, 200]);
      expect(results[1]!.headers['idempotent-replayed']).to.equal('true');
    });

    it('fingerprints a request as records already stored hold it: SHA-256 of method, path and the body with sorted keys', async () => {
      const key = randomUUID();
      await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: `{"sku":"${sku}","quantity":4}`, headers: { 'idempotency-key': key, 'content-type': 'application/json' } }));
      const userId = (await db.store.users.findByEmail(user.email))!.id;

      // Changing the fingerprint would turn every retry of a request stored before the change into a 422.
      const stored = createHash('sha256').update(`POST /cart/items\n{"quantity":4,"sku":"${sku}"}`).digest('hex');
      const now = new Date();
      const claim = await db.store.transaction((tx) => tx.idempotency.claim(userScope(userId), key, stored, now, new Date(now.getTime() + 60_000)));
      expect(claim.status).to.equal('replay');
    });

    it('scopes keys to the user: another user with the same key gets their own effect', async () => {
      const key = randomUUID();
      await addWithKey(key, 1);
      const other = await registerAndLogin(server);
      const res = await server.inject(as(other, { method: 'POST', url: '/cart/items', payload: { sku, quantity: 1 }, headers: { 'idempotency-key': key } }));
      expect(res.statusCode).to.equal(200);
      expect(res.headers['idempotent-replayed']).to.not.exist();
    });

    it('does not store a failed request: a retry runs afresh', async () => {
      const key = randomUUID();
      const failed = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'NO-SUCH-SKU', quantity: 1 }, headers: { 'idempotency-key': key } }));
      expect(failed.statusCode).to.equal(404);
      const again = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'NO-SUCH-SKU', quantity: 1 }, headers: { 'idempotency-key': key } }));
      expect(again.statusCode).to.equal(404);
      expect(again.headers['idempotent-replayed']).to.not.exist();
    });

    it('replays set, remove, clear and preference changes without repeating them', async () => {
      const steps = [
        { method: 'PUT', url: `/cart/items/${sku}`, payload: { quantity: 7 } },
        { method: 'DELETE', url: `/cart/items/${sku}` },
        { method: 'DELETE', url: '/cart' },
        { method: 'PUT', url: '/preferences/theme', payload: { value: 'dark' } },
        { method: 'DELETE', url: '/preferences/theme' },
      ];
      for (const step of steps) {
        const key = randomUUID();
        const first = await server.inject(as(user, { ...step, headers: { 'idempotency-key': key } }));
        expect(first.statusCode).to.be.within(200, 204);
        const again = await server.inject(as(user, { ...step, headers: { 'idempotency-key': key } }));
        expect(seen(again)).to.equal(seen(first));
        expect(again.headers['idempotent-replayed']).to.equal('true');
      }
      const prefs = (await server.inject(as(user, { method: 'GET', url: '/preferences' }))).result as Preferences;
      expect(prefs.preferences).to.equal({});
      expect((await cart()).version).to.equal(2); // set, remove; clearing an empty cart changes nothing
    });

    it('replays a registration and refuses the same key for another password', async () => {
      const key = randomUUID();
      const email = uniqueEmail();
      const send = (password: string) => server.inject({ method: 'POST', url: '/auth/register', payload: { email, password }, headers: { 'idempotency-key': key } });
      const first = await send('first-password');
      const again = await send('first-password');
      expect(first.statusCode).to.equal(201);
      expect(seen(again)).to.equal(seen(first));
      const other = await send('second-password');
      expect((other.result as ErrorBody).code).to.equal('IDEMPOTENCY_KEY_REUSED');
    });

    it('rejects malformed keys with 400', async () => {
      for (const key of ['', 'has space', 'x'.repeat(256), 'naïve']) {
        const res = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku, quantity: 1 }, headers: { 'idempotency-key': key } }));
        expect(res.statusCode).to.equal(400);
      }
    });
  });
}
