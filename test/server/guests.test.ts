import { randomBytes, randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { MAX_CART_LINES } from '../../shared/limits.js';
import type { ErrorBody } from '../../shared/errors.js';
import type { Cart, GuestSession, LoginResponse, Me, Preferences, PushResponse, RegisteredUser } from '../../shared/wire.js';
import { housekeep } from '../../server/housekeeping.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { testConfig } from '../helpers/config.js';
import { createServerProcess } from '../helpers/server-process.js';
import { as, buildServer, registerAndLogin, type TestUser, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  password: 'correct horse battery staple',
  day: 24 * 3600 * 1000,
  settings: { loginWindowSeconds: 900, registrationWindowSeconds: 3600, guestTtlSeconds: 30 * 24 * 3600 },
};

for (const backend of backends) {
  describe(`guests on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;

    const newGuest = async (): Promise<TestUser & { id: string }> => {
      const res = await server.inject({ method: 'POST', url: '/auth/guest' });
      expect(res.statusCode, res.payload).to.equal(201);
      const tokens = res.result as GuestSession;
      const headers = { authorization: `Bearer ${tokens.accessToken}` };
      const me = (await server.inject({ method: 'GET', url: '/me', headers })).result as Me;
      return { email: '', password: '', tokens, headers, id: me.id };
    };
    const product = async (): Promise<string> => {
      const sku = `G-${randomUUID().slice(0, 8).toUpperCase()}`;
      await db.store.products.upsert([{ sku, name: `Test ${sku}`, description: '', prices: { EUR: 100 }, active: true, stock: null }]);
      return sku;
    };
    const add = async (who: TestUser, sku: string, quantity: number): Promise<Cart> => {
      const res = await server.inject(as(who, { method: 'POST', url: '/cart/items', payload: { sku, quantity } }));
      expect(res.statusCode, res.payload).to.equal(200);
      return res.result as Cart;
    };
    const setPref = async (who: TestUser, key: string, value: unknown): Promise<void> => {
      const res = await server.inject(as(who, { method: 'PUT', url: `/preferences/${key}`, payload: { value } }));
      expect(res.statusCode, res.payload).to.equal(200);
    };
    const cartOf = async (who: TestUser): Promise<Cart> => (await server.inject(as(who, { method: 'GET', url: '/cart' }))).result as Cart;
    const code = (payload: string): string => (JSON.parse(payload) as ErrorBody).code;
    const loginWith = (who: TestUser, guestToken: string, password = who.password) =>
      server.inject({ method: 'POST', url: '/auth/login', payload: { email: who.email, password, guestToken } });

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
    });

    after(() => db.dispose());

    it('makes a guest with no email or password, marked as a guest in the token and the database', async () => {
      const guest = await newGuest();
      expect((guest.tokens as GuestSession).guest).to.be.true();
      expect(guest.tokens.refreshToken.startsWith(`guest.${guest.id}.`)).to.be.true();
      const payload = JSON.parse(Buffer.from(guest.tokens.accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      expect(payload.gst).to.be.true();
      const me = (await server.inject(as(guest, { method: 'GET', url: '/me' }))).result as Me;
      expect(me).to.include({ id: guest.id, email: null, guest: true });
      const row = await db.store.users.findById(guest.id);
      expect(row).to.include({ kind: 'guest', email: null, passwordHash: null });
    });

    it('lets a guest fill a cart and set preferences', async () => {
      const guest = await newGuest();
      const sku = await product();
      expect((await add(guest, sku, 2)).lines.map((line) => [line.sku, line.quantity])).to.equal([[sku, 2]]);
      await setPref(guest, 'theme', 'dark');
      expect(((await server.inject(as(guest, { method: 'GET', url: '/preferences' }))).result as Preferences).preferences).to.include({ theme: 'dark' });
    });

    it('refuses a guest orders and password changes with GUEST_NOT_ALLOWED', async () => {
      const guest = await newGuest();
      await add(guest, await product(), 1);
      const cart = await cartOf(guest);
      const place = await server.inject(
        as(guest, { method: 'POST', url: '/orders', headers: { 'if-match': `"${cart.version}"`, 'idempotency-key': randomUUID() } }),
      );
      expect([place.statusCode, code(place.payload)]).to.equal([403, 'GUEST_NOT_ALLOWED']);
      const list = await server.inject(as(guest, { method: 'GET', url: '/orders' }));
      expect([list.statusCode, code(list.payload)]).to.equal([403, 'GUEST_NOT_ALLOWED']);
      const password = await server.inject(
        as(guest, { method: 'POST', url: '/me/password', payload: { currentPassword: 'whatever', newPassword: 'something-new-1' } }),
      );
      expect([password.statusCode, code(password.payload)]).to.equal([403, 'GUEST_NOT_ALLOWED']);
      expect((await cartOf(guest)).lines).to.have.length(1);
    });

    it('refuses a guest a queued order through sync, for good, and applies its cart changes', async () => {
      const guest = await newGuest();
      const sku = await product();
      const res = await server.inject(
        as(guest, {
          method: 'POST',
          url: '/sync/push',
          payload: {
            deviceId: randomBytes(16).toString('base64url'),
            firstPush: true,
            changes: [
              { seq: 1, op: { kind: 'cart.add', sku, quantity: 1 } },
              { seq: 2, op: { kind: 'order.place', expect: { lines: [{ sku, quantity: 1, unitPrice: 100 }], subtotal: 100, currency: 'EUR' } } },
            ],
          },
        }),
      );
      expect(res.statusCode, res.payload).to.equal(200);
      const { results } = res.result as PushResponse;
      expect(results.map((result) => result.outcome)).to.equal(['applied', 'refused']);
      expect(results[1]!.outcome === 'refused' ? results[1]!.error.code : undefined).to.equal('GUEST_NOT_ALLOWED');
    });

    it('merges a guest into a new account at registration and deletes the guest', async () => {
      const guest = await newGuest();
      const sku = await product();
      await add(guest, sku, 3);
      await setPref(guest, 'theme', 'dark');
      const email = uniqueEmail('merged');
      const res = await server.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email, password: internals.password, guestToken: guest.tokens.accessToken },
      });
      expect(res.statusCode, res.payload).to.equal(201);
      const body = res.result as RegisteredUser;
      expect(body.merge).to.equal({
        guestId: guest.id,
        added: [{ sku, quantity: 3, total: 3 }],
        capped: [],
        dropped: [],
        preferences: { filled: ['theme'], kept: [], dropped: [] },
      });
      expect(await db.store.users.findById(guest.id)).to.be.null();
      const account = await db.store.accounts.collect({ userId: guest.id, idempotencyScopes: [`user:${guest.id}`], loginAccounts: [] });
      expect(Object.values(account).flat()).to.equal([]);
      const cart = await db.store.carts.get(body.id);
      expect(cart.lines.map((line) => [line.sku, line.quantity])).to.equal([[sku, 3]]);
      expect(await db.store.preferences.list(body.id)).to.equal({ theme: 'dark' });
    });

    it('merges a guest at login: sums lines, caps at 99, keeps the line limit and reports what did not fit', async () => {
      const user = await registerAndLogin(server);
      const userId = ((await server.inject(as(user, { method: 'GET', url: '/me' }))).result as Me).id;
      const shared = await product();
      const fresh = await product();
      const later = await product();
      const fillers = await Promise.all(Array.from({ length: MAX_CART_LINES - 2 }, () => product()));
      await add(user, shared, 60);
      for (const sku of fillers) {
        await add(user, sku, 1);
      }
      await setPref(user, 'currency', 'EUR');
      const guest = await newGuest();
      await add(guest, shared, 50);
      await add(guest, fresh, 2);
      await add(guest, later, 4);
      await setPref(guest, 'currency', 'USD');
      await setPref(guest, 'theme', 'dark');

      const res = await loginWith(user, guest.tokens.accessToken);
      expect(res.statusCode, res.payload).to.equal(200);
      const body = res.result as LoginResponse;
      expect(body.accessToken).to.be.a.string();
      expect(body.merge).to.equal({
        guestId: guest.id,
        added: [{ sku: fresh, quantity: 2, total: 2 }],
        capped: [{ sku: shared, wanted: 110, kept: 99 }],
        dropped: [{ sku: later, quantity: 4, reason: 'CART_TOO_LARGE' }],
        preferences: { filled: ['theme'], kept: ['currency'], dropped: [] },
      });
      const cart = await db.store.carts.get(userId);
      expect(cart.lines).to.have.length(MAX_CART_LINES);
      expect(cart.lines.find((line) => line.sku === shared)?.quantity).to.equal(99);
      expect(await db.store.preferences.list(userId)).to.include({ currency: 'EUR', theme: 'dark' });
      expect(await db.store.users.findById(guest.id)).to.be.null();

      const stale = await server.inject(as(guest, { method: 'GET', url: '/cart' }));
      expect([stale.statusCode, code(stale.payload)]).to.equal([401, 'GUEST_EXPIRED']);
      const again = await loginWith(user, guest.tokens.accessToken);
      expect([again.statusCode, code(again.payload)]).to.equal([401, 'GUEST_EXPIRED']);
    });

    it('merges nothing and keeps the guest when the password is wrong', async () => {
      const user = await registerAndLogin(server);
      const guest = await newGuest();
      await add(guest, await product(), 1);
      const res = await loginWith(user, guest.tokens.accessToken, 'not the password');
      expect([res.statusCode, code(res.payload)]).to.equal([401, 'INVALID_CREDENTIALS']);
      expect(await db.store.users.findById(guest.id)).to.include({ kind: 'guest' });
      expect((await cartOf(guest)).lines).to.have.length(1);
    });

    it("refuses an account's token as guestToken", async () => {
      const user = await registerAndLogin(server);
      const other = await registerAndLogin(server);
      const res = await loginWith(user, other.tokens.accessToken);
      expect([res.statusCode, code(res.payload)]).to.equal([400, 'VALIDATION_FAILED']);
    });

    it('deletes guests idle past the configured time, with their cart and requests, and their tokens then answer GUEST_EXPIRED', async () => {
      const idle = await newGuest();
      await add(idle, await product(), 1);
      const active = await newGuest();
      const user = await registerAndLogin(server);
      const now = Date.now();
      const counts = await housekeep(db.store, new Date(now + 30 * internals.day + 60_000), internals.settings);
      expect(counts.guests).to.be.at.least(2);
      expect(await db.store.users.findById(idle.id)).to.be.null();
      expect(await db.store.users.findById(active.id)).to.be.null();
      expect(await db.store.carts.get(idle.id)).to.include({ version: 0, lines: [] });

      const res = await server.inject(as(idle, { method: 'GET', url: '/cart' }));
      expect([res.statusCode, code(res.payload)]).to.equal([401, 'GUEST_EXPIRED']);
      const refresh = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: idle.tokens.refreshToken } });
      expect([refresh.statusCode, code(refresh.payload)]).to.equal([401, 'GUEST_EXPIRED']);
      // Accounts are never idle-deleted.
      expect((await server.inject(as(user, { method: 'GET', url: '/me' }))).statusCode).to.equal(200);
    });

    it('keeps a guest used within the configured time', async () => {
      const guest = await newGuest();
      const counts = await housekeep(db.store, new Date(Date.now() + 29 * internals.day), internals.settings);
      expect(counts.guests).to.equal(0);
      expect(await db.store.users.findById(guest.id)).to.include({ kind: 'guest' });
    });

    it("records a guest's last use at most once an hour", async () => {
      let clock = Date.now();
      const timed = await buildServer({ store: db.store, config: testConfig({ jwt: { accessTokenTtlSeconds: 24 * 3600 } }), now: () => new Date(clock) });
      const res = await timed.inject({ method: 'POST', url: '/auth/guest' });
      const headers = { authorization: `Bearer ${(res.result as GuestSession).accessToken}` };
      const id = ((await timed.inject({ method: 'GET', url: '/me', headers })).result as Me).id;
      const touched = async (): Promise<number | undefined> => (await db.store.users.findById(id))?.touchedAt?.getTime();
      const created = await touched();
      clock += 30 * 60 * 1000;
      await timed.inject({ method: 'GET', url: '/cart', headers });
      expect(await touched()).to.equal(created);
      clock += 40 * 60 * 1000;
      await timed.inject({ method: 'GET', url: '/cart', headers });
      expect(await touched()).to.equal(clock);
      await timed.stop();
    });
  });
}

describe('a server process with guests in its database', () => {
  it('starts again, leaving guests (no email) out of the start-up backfill of look-alike keys', async () => {
    const server = await createServerProcess();
    try {
      await server.start();
      const started = await fetch(`${server.url}/auth/guest`, { method: 'POST' });
      expect(started.status).to.equal(201);
      const { accessToken } = (await started.json()) as GuestSession;
      await server.stop();

      await server.start();

      const cart = await fetch(`${server.url}/cart`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(cart.status).to.equal(200);
    } finally {
      await server.dispose();
    }
  });
});
