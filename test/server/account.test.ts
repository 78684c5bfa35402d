import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import Database from 'better-sqlite3';
import postgres from 'postgres';

import type { ErrorBody } from '../../shared/errors.js';
import type { AccountExport, Cart, RegisteredUser, TokenPair } from '../../shared/wire.js';
import { loginAccountKey } from '../../server/auth/login-throttle.js';
import { hashRefreshToken } from '../../server/auth/refresh-tokens.js';
import { personalTables } from '../../server/db/personal-data.js';
import { registrationScope } from '../../server/routes/idempotency.js';
import { openDatabase, type DatabaseKind, type InspectableDatabase } from '../adversarial/helpers/database.js';
import { testConfig } from '../helpers/config.js';
import { as, buildServer, login, registerAndLogin, type TestUser, uniqueEmail } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  newPassword: 'a brand new passphrase',

  /** Every row of every table in the database, table by table, found through the catalogue rather than a list. */
  async everyRow(db: InspectableDatabase): Promise<Record<string, string>> {
    const tables: Record<string, string> = {};
    if (db.kind === 'sqlite') {
      const reader = new Database(db.url, { readonly: true, fileMustExist: true });
      try {
        const names = reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
        for (const name of names) {
          tables[name] = JSON.stringify(reader.prepare(`SELECT * FROM "${name}"`).all());
        }
      } finally {
        reader.close();
      }
      return tables;
    }
    const sql = postgres(db.url, { max: 1, onnotice: () => {}, fetch_types: false });
    try {
      const names = await sql<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
      for (const { table_name: name } of names) {
        tables[name] = JSON.stringify([...(await sql.unsafe(`SELECT * FROM "${name}"`))], (_key, value: unknown) =>
          typeof value === 'bigint' ? value.toString() : value,
        );
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
    return tables;
  },

  /** Tables whose rows mention any of `needles` (compared lower-cased, as emails are stored). */
  async tablesNaming(db: InspectableDatabase, needles: readonly string[]): Promise<string[]> {
    const tables = await internals.everyRow(db);
    return Object.entries(tables)
      .filter(([, rows]) => needles.some((needle) => rows.toLowerCase().includes(needle.toLowerCase())))
      .map(([name]) => name);
  },

  /**
   * A user who has left a row in every table: a registration and changes with Idempotency-Keys, cart lines,
   * preferences, two logins (one refreshed), and a failed login from another address.
   */
  async busyUser(server: Server): Promise<{ user: TestUser; id: string; refreshed: TokenPair }> {
    const email = uniqueEmail('busy');
    const password = 'correct horse battery staple';
    const registered = await server.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password },
      headers: { 'idempotency-key': `register-${email}` },
    });
    expect(registered.statusCode).to.equal(201);
    const tokens = await login(server, email, password);
    const user: TestUser = { email, password, tokens, headers: { authorization: `Bearer ${tokens.accessToken}` } };
    const added = await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'MUG-BLUE', quantity: 2 }, headers: { 'idempotency-key': 'add-mug' } }));
    expect(added.statusCode).to.equal(200);
    await server.inject(as(user, { method: 'POST', url: '/cart/items', payload: { sku: 'TEE-BLACK-M', quantity: 1 } }));
    const pref = await server.inject(as(user, { method: 'PUT', url: '/preferences/currency', payload: { value: 'EUR' }, headers: { 'idempotency-key': 'set-currency' } }));
    expect(pref.statusCode).to.equal(200);
    await server.inject(as(user, { method: 'PUT', url: '/preferences/newsletter', payload: { value: true } }));
    const second = await login(server, email, password);
    const refresh = await server.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: second.refreshToken } });
    expect(refresh.statusCode).to.equal(200);
    const failed = await server.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'not it at all' }, remoteAddress: '10.9.8.7' });
    expect(failed.statusCode).to.equal(401);
    // A keyed answer is sent as the stored bytes, so `result` is the JSON text.
    return { user, id: (JSON.parse(registered.payload) as RegisteredUser).id, refreshed: refresh.result as TokenPair };
  },
};

for (const kind of ['sqlite', 'postgres'] as DatabaseKind[]) {
  describe(`account routes on ${kind}`, () => {
    let db: InspectableDatabase;
    let server: Server;
    let other: Server;

    before(async () => {
      db = await openDatabase(kind);
      server = await buildServer({ store: db.store });
      // Another instance over the same database, as behind a load balancer.
      other = await buildServer({ store: await db.openAnother() });
    });

    after(() => db.dispose());

    describe('POST /me/password', () => {
      it('answers a new token pair that works, and the new password logs in while the old one does not', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject(as(user, { method: 'POST', url: '/me/password', payload: { currentPassword: user.password, newPassword: internals.newPassword } }));
        expect(res.statusCode).to.equal(200);
        expect(res.headers['cache-control']).to.equal('no-store');
        const pair = res.result as TokenPair;
        expect(pair.tokenType).to.equal('Bearer');
        const me = await other.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${pair.accessToken}` } });
        expect(me.statusCode).to.equal(200);
        const refreshed = await other.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: pair.refreshToken } });
        expect(refreshed.statusCode).to.equal(200);
        await login(server, user.email, internals.newPassword);
        const old = await server.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password } });
        expect((old.result as ErrorBody).code).to.equal('INVALID_CREDENTIALS');
      });

      it("revokes another device's access and refresh tokens on every instance", async () => {
        const user = await registerAndLogin(server);
        const device = await login(server, user.email, user.password);
        const res = await server.inject(as(user, { method: 'POST', url: '/me/password', payload: { currentPassword: user.password, newPassword: internals.newPassword } }));
        expect(res.statusCode).to.equal(200);
        for (const instance of [server, other]) {
          const cart = await instance.inject({ method: 'GET', url: '/cart', headers: { authorization: `Bearer ${device.accessToken}` } });
          expect(cart.statusCode).to.equal(401);
          expect((cart.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
        }
        const refresh = await other.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: device.refreshToken } });
        expect(refresh.statusCode).to.equal(401);
        expect((refresh.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
        // The caller's own old token too: it carries on with the pair it was given.
        const own = await server.inject(as(user, { method: 'GET', url: '/me' }));
        expect((own.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
      });

      it('refuses a wrong current password with 422 PASSWORD_INCORRECT and changes nothing', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject(as(user, { method: 'POST', url: '/me/password', payload: { currentPassword: 'not my password', newPassword: internals.newPassword } }));
        expect(res.statusCode).to.equal(422);
        expect((res.result as ErrorBody).code).to.equal('PASSWORD_INCORRECT');
        expect(res.payload).to.not.include('not my password');
        expect((await server.inject(as(user, { method: 'GET', url: '/me' }))).statusCode).to.equal(200);
        await login(server, user.email, user.password);
      });

      it('counts wrong current passwords in the login throttle: 429 for the change and for logins', async () => {
        const throttled = await buildServer({
          store: db.store,
          config: testConfig({ loginThrottle: { maxFailuresPerAccount: 3, maxFailuresPerAddress: 10_000, windowSeconds: 900 } }),
        });
        const user = await registerAndLogin(throttled);
        const attempt = (currentPassword: string) =>
          throttled.inject(as(user, { method: 'POST', url: '/me/password', payload: { currentPassword, newPassword: internals.newPassword } }));
        for (let i = 0; i < 3; i++) {
          expect((await attempt(`wrong ${i}`)).statusCode).to.equal(422);
        }
        const refused = await attempt(user.password);
        expect(refused.statusCode).to.equal(429);
        expect((refused.result as ErrorBody).code).to.equal('RATE_LIMITED');
        expect(Number(refused.headers['retry-after'])).to.be.above(0);
        const loginRes = await throttled.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password } });
        expect(loginRes.statusCode).to.equal(429);
      });

      it('refuses a new password that is too short, or the same as the current one, with 400', async () => {
        const user = await registerAndLogin(server);
        for (const newPassword of ['short', user.password]) {
          const res = await server.inject(as(user, { method: 'POST', url: '/me/password', payload: { currentPassword: user.password, newPassword } }));
          expect(res.statusCode).to.equal(400);
          expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
          expect(res.payload).to.not.include(user.password);
        }
      });

      it('stores no answer for an Idempotency-Key, as the answer holds tokens', async () => {
        const user = await registerAndLogin(server);
        const key = `password-${user.email}`;
        const res = await server.inject(as(user, {
          method: 'POST',
          url: '/me/password',
          payload: { currentPassword: user.password, newPassword: internals.newPassword },
          headers: { 'idempotency-key': key },
        }));
        expect(res.statusCode).to.equal(200);
        expect((await internals.everyRow(db)).idempotency_keys).to.not.include(key);
      });

      it('needs an access token', async () => {
        const res = await server.inject({ method: 'POST', url: '/me/password', payload: { currentPassword: 'x', newPassword: internals.newPassword } });
        expect((res.result as ErrorBody).code).to.equal('AUTH_REQUIRED');
      });
    });

    describe('DELETE /me', () => {
      it('refuses a wrong password with 422 PASSWORD_INCORRECT and keeps the account', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject(as(user, { method: 'DELETE', url: '/me', payload: { password: 'not my password' } }));
        expect(res.statusCode).to.equal(422);
        expect((res.result as ErrorBody).code).to.equal('PASSWORD_INCORRECT');
        expect((await server.inject(as(user, { method: 'GET', url: '/me' }))).statusCode).to.equal(200);
      });

      it('needs the password in the body', async () => {
        const user = await registerAndLogin(server);
        const res = await server.inject(as(user, { method: 'DELETE', url: '/me' }));
        expect(res.statusCode).to.equal(400);
        expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
      });

      it('knows every table of the database: each is in personal-data.ts or holds nothing about a user', async () => {
        await registerAndLogin(server);
        const tables = Object.keys(await internals.everyRow(db));
        const handled = personalTables.map((table) => table.table);
        // A table added to the schema fails here until it is given a line in personal-data.ts, or added here because
        // no row of it can name a user.
        const catalogue = ['products', 'product_prices', 'product_search', ...['config', 'content', 'data', 'docsize', 'idx'].map((shadow) => `product_search_${shadow}`)];
        // registration_attempts counts client addresses, never accounts.
        const namingNoUser = [...catalogue, 'registration_attempts', 'schema_migrations'];
        expect(tables.filter((table) => !handled.includes(table) && !namingNoUser.includes(table))).to.equal([]);
        expect(handled.filter((table) => !tables.includes(table))).to.equal([]);
      });

      it('removes every row that names the user, in every table of the database, and leaves other users alone', async () => {
        const { user, id } = await internals.busyUser(server);
        const bystander = await internals.busyUser(server);
        const needles = [id, user.email, registrationScope(user.email), loginAccountKey(user.email), hashRefreshToken(user.tokens.refreshToken)];
        const before = await internals.tablesNaming(db, needles);
        expect(before.sort()).to.equal(['cart_lines', 'carts', 'email_skeletons', 'idempotency_keys', 'login_failures', 'preferences', 'refresh_tokens', 'users']);

        const res = await server.inject(as(user, { method: 'DELETE', url: '/me', payload: { password: user.password } }));
        expect(res.statusCode).to.equal(204);
        expect(await internals.tablesNaming(db, needles)).to.equal([]);

        const bystanderNeedles = [bystander.id, bystander.user.email, loginAccountKey(bystander.user.email)];
        expect((await internals.tablesNaming(db, bystanderNeedles)).sort()).to.equal(before.sort());
      });

      it('makes every token of the user fail at once on another instance', async () => {
        const { user, refreshed } = await internals.busyUser(server);
        const res = await server.inject(as(user, { method: 'DELETE', url: '/me', payload: { password: user.password } }));
        expect(res.statusCode).to.equal(204);
        for (const token of [user.tokens.accessToken, refreshed.accessToken]) {
          const me = await other.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
          expect(me.statusCode).to.equal(401);
          expect((me.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
        }
        const refresh = await other.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: refreshed.refreshToken } });
        expect((refresh.result as ErrorBody).code).to.equal('REFRESH_TOKEN_INVALID');
      });

      it('lets the email register again, as a new and empty account', async () => {
        const { user, id } = await internals.busyUser(server);
        expect((await server.inject(as(user, { method: 'DELETE', url: '/me', payload: { password: user.password } }))).statusCode).to.equal(204);
        // The same Idempotency-Key as the first registration: its stored answer went with the account.
        const again = await server.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { email: user.email, password: 'another password' },
          headers: { 'idempotency-key': `register-${user.email}` },
        });
        expect(again.statusCode).to.equal(201);
        expect(again.headers['idempotent-replayed']).to.not.exist();
        expect((JSON.parse(again.payload) as RegisteredUser).id).to.not.equal(id);
        const tokens = await login(server, user.email, 'another password');
        const cart = await server.inject({ method: 'GET', url: '/cart', headers: { authorization: `Bearer ${tokens.accessToken}` } });
        expect((cart.result as Cart).lines).to.equal([]);
        const old = await server.inject(as(user, { method: 'GET', url: '/cart' }));
        expect((old.result as ErrorBody).code).to.equal('TOKEN_REVOKED');
      });
    });

    describe('GET /me/export', () => {
      it('holds every record the user created', async () => {
        const { user, id } = await internals.busyUser(server);
        const res = await server.inject(as(user, { method: 'GET', url: '/me/export' }));
        expect(res.statusCode).to.equal(200);
        expect(res.headers['cache-control']).to.equal('no-store');
        const document = res.result as AccountExport;
        expect(document.format).to.equal('shop-account-export');
        expect(document.version).to.equal(1);
        expect(document.account).to.equal({ id, email: user.email, createdAt: document.account.createdAt });
        expect(new Date(document.account.createdAt).toISOString()).to.equal(document.account.createdAt);
        expect(document.cart.version).to.equal(2);
        expect(document.cart.lines.map((line) => [line.sku, line.quantity])).to.equal([['MUG-BLUE', 2], ['TEE-BLACK-M', 1]]);
        expect(document.preferences.map((p) => [p.key, p.value])).to.equal([['currency', 'EUR'], ['newsletter', true]]);
        // Two logins, the second refreshed once: three refresh tokens in two logins.
        expect(document.sessions).to.have.length(3);
        expect(new Set(document.sessions.map((s) => s.login)).size).to.equal(2);
        expect(document.sessions.filter((s) => s.usedAt !== null)).to.have.length(1);
        expect(document.requests.map((r) => r.idempotencyKey).sort()).to.equal(['add-mug', `register-${user.email}`, 'set-currency']);
        const setCurrency = document.requests.find((r) => r.idempotencyKey === 'set-currency');
        expect(setCurrency!.status).to.equal(200);
        expect(setCurrency!.response).to.equal({ key: 'currency', value: 'EUR' });
        expect(document.failedLogins).to.equal([{ address: '10.9.8.7', windowStart: document.failedLogins[0]!.windowStart, failures: 1 }]);
      });

      it('holds no password, hash or token', async () => {
        const { user, refreshed } = await internals.busyUser(server);
        const res = await server.inject(as(user, { method: 'GET', url: '/me/export' }));
        const text = res.payload;
        const stored = await db.store.users.findByEmail(user.email);
        const secrets = [
          user.password,
          stored!.passwordHash,
          stored!.passwordHash.split('$').at(-1)!,
          user.tokens.accessToken,
          user.tokens.refreshToken,
          refreshed.accessToken,
          refreshed.refreshToken,
          hashRefreshToken(user.tokens.refreshToken),
          hashRefreshToken(refreshed.refreshToken),
          'scrypt',
        ];
        for (const secret of secrets) {
          expect(text).to.not.include(secret);
        }
        const rows = await internals.everyRow(db);
        for (const fingerprint of JSON.parse(rows.idempotency_keys!).map((row: { fingerprint: string }) => row.fingerprint) as string[]) {
          expect(text).to.not.include(fingerprint);
        }
      });

      it('shows an account that has done nothing yet with empty sections', async () => {
        const user = await registerAndLogin(server);
        const document = (await server.inject(as(user, { method: 'GET', url: '/me/export' }))).result as AccountExport;
        expect(document.cart).to.equal({ version: 0, lines: [] });
        expect(document.preferences).to.equal([]);
        expect(document.requests).to.equal([]);
        expect(document.failedLogins).to.equal([]);
        expect(document.orders).to.equal([]);
        expect(document.devices).to.equal([]);
        expect(document.emailKeys).to.have.length(1);
        expect(document.sessions).to.have.length(1);
        expect(Object.keys(document).sort()).to.equal(
          ['account', 'cart', 'devices', 'emailKeys', 'exportedAt', 'failedLogins', 'format', 'orders', 'preferences', 'requests', 'sessions', 'version'],
        );
      });
    });
  });
}
