import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { PersonalDataOwner } from '../../server/db/store.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

for (const backend of backends) {
  describe(`accounts store on ${backend.name}`, () => {
    let db: OpenBackend;

    before(async () => {
      db = await backend.open();
    });

    after(() => db.dispose());

    const newUser = async () => {
      const id = `u-${Math.random().toString(36).slice(2)}`;
      const user = await db.store.users.create({ id, email: uniqueEmail(), passwordHash: 'scrypt$old', createdAt: new Date(1_700_000_000_000) });
      return user!;
    };
    const ownerOf = (id: string): PersonalDataOwner => ({ userId: id, idempotencyScopes: [`user:${id}`], loginAccounts: [] });

    it('replaces the password and bumps the token version only while the stored hash is the expected one', async () => {
      const user = await newUser();
      expect(await db.store.accounts.replacePassword(user.id, 'scrypt$stale', 'scrypt$new')).to.be.null();
      expect((await db.store.users.findById(user.id))!.passwordHash).to.equal('scrypt$old');
      expect(await db.store.accounts.replacePassword(user.id, 'scrypt$old', 'scrypt$new')).to.equal(1);
      const stored = await db.store.users.findById(user.id);
      expect(stored).to.include({ passwordHash: 'scrypt$new', tokenVersion: 1 });
    });

    it('refuses to erase outside a transaction', async () => {
      const user = await newUser();
      await expect(db.store.accounts.erase(ownerOf(user.id))).to.reject(/only means something inside transaction/);
      expect(await db.store.users.findById(user.id)).to.exist();
    });

    it('erases inside a transaction and says how many rows went from each table', async () => {
      const user = await newUser();
      await db.store.preferences.set(user.id, 'theme', 'dark', new Date());
      const deleted = await db.store.transaction((tx) => tx.accounts.erase(ownerOf(user.id)));
      expect(deleted).to.include({ preferences: 1, users: 1, cart_lines: 0 });
      expect(await db.store.users.findById(user.id)).to.be.null();
    });

    it('collects the exported columns with times as dates, and every section even when empty', async () => {
      const user = await newUser();
      const data = await db.store.accounts.collect(ownerOf(user.id));
      expect(data.account).to.equal([{ id: user.id, email: user.email, createdAt: new Date(1_700_000_000_000) }]);
      expect(data.preferences).to.equal([]);
      expect(Object.keys(data).sort()).to.equal(['account', 'cart', 'cartLines', 'devices', 'emailKeys', 'failedLogins', 'orders', 'preferences', 'requests', 'sessions']);
    });
  });
}
