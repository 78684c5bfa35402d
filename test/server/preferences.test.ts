import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { Preferences } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { as, buildServer, registerAndLogin, type TestUser } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach } = lab;

for (const backend of backends) {
  describe(`preference routes on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;
    let user: TestUser;

    const put = (key: string, value: unknown) =>
      server.inject(as(user, { method: 'PUT', url: `/preferences/${key}`, payload: { value } }));

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
    });

    after(() => db.dispose());

    beforeEach(async () => {
      user = await registerAndLogin(server);
    });

    it('sets, reads, lists and deletes preferences of every scalar type', async () => {
      const values = { theme: 'dark', 'page.size': 25, 'emails.weekly': false, nickname: null };
      for (const [key, value] of Object.entries(values)) {
        const res = await put(key, value);
        expect(res.statusCode).to.equal(200);
        expect(res.result).to.equal({ key, value });
      }
      const one = await server.inject(as(user, { method: 'GET', url: '/preferences/page.size' }));
      expect(one.result).to.equal({ key: 'page.size', value: 25 });
      const list = await server.inject(as(user, { method: 'GET', url: '/preferences' }));
      expect((list.result as Preferences).preferences).to.equal(values);

      const del = await server.inject(as(user, { method: 'DELETE', url: '/preferences/theme' }));
      expect(del.statusCode).to.equal(204);
      const gone = await server.inject(as(user, { method: 'GET', url: '/preferences/theme' }));
      expect(gone.statusCode).to.equal(404);
      expect((gone.result as ErrorBody).code).to.equal('PREFERENCE_NOT_FOUND');
    });

    it('replaces an existing value', async () => {
      await put('theme', 'dark');
      await put('theme', 'light');
      const res = await server.inject(as(user, { method: 'GET', url: '/preferences/theme' }));
      expect(res.result).to.equal({ key: 'theme', value: 'light' });
    });

    it('validates the well-known currency and locale keys', async () => {
      expect((await put('currency', 'USD')).statusCode).to.equal(200);
      expect((await put('locale', 'en-GB')).statusCode).to.equal(200);
      for (const [key, value] of [['currency', 'XXXX'], ['currency', 5], ['locale', 'not a locale!'], ['locale', '']] as const) {
        const res = await put(key, value);
        expect(res.statusCode).to.equal(422);
        expect((res.result as ErrorBody).code).to.equal('PREFERENCE_INVALID');
      }
    });

    it('rejects bad keys, objects and values over 1 KiB', async () => {
      for (const key of ['Upper', '9lives', 'a'.repeat(65), 'sp%20ace']) {
        expect((await put(key, 'x')).statusCode).to.equal(400);
      }
      expect((await put('nested', { a: 1 })).statusCode).to.equal(400);
      expect((await put('list', [1, 2])).statusCode).to.equal(400);
      const big = await put('big', 'x'.repeat(1100));
      expect(big.statusCode).to.equal(422);
      expect((big.result as ErrorBody).code).to.equal('PREFERENCE_INVALID');
    });

    it('keeps at most 100 preferences per user but lets existing ones change', async () => {
      const id = (await db.store.users.findByEmail(user.email))!.id;
      for (let i = 0; i < 100; i++) {
        await db.store.preferences.set(id, `key${i}`, i, new Date());
      }
      const res = await put('one.more', true);
      expect(res.statusCode).to.equal(422);
      expect((res.result as ErrorBody).code).to.equal('PREFERENCES_LIMIT');
      expect((await put('key5', 'changed')).statusCode).to.equal(200);
      expect(await db.store.preferences.count(id)).to.equal(100);
    });

    it('answers 204 when deleting a preference that does not exist, so a repeated unset succeeds', async () => {
      const res = await server.inject(as(user, { method: 'DELETE', url: '/preferences/never.set' }));
      expect(res.statusCode).to.equal(204);
    });
  });
}
