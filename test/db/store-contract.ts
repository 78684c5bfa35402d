import { randomUUID } from 'node:crypto';

import { expect } from '@hapi/code';
import type * as Lab from '@hapi/lab';

import { demoCatalog } from '../../server/db/demo-catalog.js';
import { seedDemoCatalog } from '../../server/db/seed.js';
import {
  StoreUnavailableError,
  type ClaimResult,
  type Dialect,
  type IdempotentResponse,
  type NewRefreshToken,
  type OrderRecord,
  type ProductRecord,
  type Store,
  type AccountRecord,
  type UserRecord,
} from '../../server/db/store.js';
import { SKU_PATTERN } from '../../shared/limits.js';
import { addToLine } from '../helpers/cart-lines.js';

type LabScript = ReturnType<typeof Lab.script>;

/** A freshly migrated, empty database behind a store, and how to throw it away. */
export interface StoreFixture {
  store: Store;
  dispose(): Promise<void>;
}

const internals = {
  now: new Date('2025-03-01T12:00:00.000Z'),

  later(ms: number): Date {
    return new Date(internals.now.getTime() + ms);
  },

  products: [
    { sku: 'MUG-BLUE', name: 'Blue Mug', description: 'Enamel, 350 ml', prices: { EUR: 1490 }, active: true, stock: null },
    { sku: 'MUG-RED', name: 'Red Mug', description: 'Enamel, 350 ml', prices: { EUR: 1490 }, active: true, stock: null },
    { sku: 'TEE-BLACK-M', name: 'Black Tee', description: '100% cotton, medium', prices: { EUR: 2900 }, active: true, stock: null },
    { sku: 'TEE-WHITE-M', name: 'White Tee', description: '1000 threads of cotton', prices: { EUR: 2900 }, active: true, stock: null },
    { sku: 'PIPE-A_B', name: 'Snake_case Pipe', description: 'Backslash \\ inside', prices: { EUR: 500 }, active: true, stock: null },
    { sku: 'OLD-CAP', name: 'Old Cap', description: 'Discontinued mug-shaped cap', prices: { EUR: 900 }, active: false, stock: null },
  ] satisfies ProductRecord[],

  async user(store: Store, email = `${randomUUID()}@example.com`): Promise<AccountRecord> {
    const user = await store.users.create({ id: randomUUID(), email, passwordHash: 'scrypt$hash', createdAt: internals.now });
    if (user === null) {
      throw new Error(`could not create ${email}`);
    }
    return user;
  },

  token(userId: string, overrides: Partial<NewRefreshToken> = {}): NewRefreshToken {
    return {
      tokenHash: randomUUID().replaceAll('-', ''),
      userId,
      familyId: 'family-1',
      tokenVersion: 0,
      createdAt: internals.now,
      expiresAt: internals.later(3600_000),
      ...overrides,
    };
  },

  /** A promise plus the function that resolves it, to hold a transaction open at a chosen point. */
  signal(): { promise: Promise<void>; resolve: () => void } {
    let resolve = (): void => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    return { promise, resolve };
  },

  skus(items: readonly ProductRecord[]): string[] {
    return items.map((item) => item.sku);
  },

  /** A stored answer with the characters a careless encoding would change. */
  response: {
    status: 201,
    body: '{"note":"ünïcödé \\"quoted\\" \\\\ done","lines":[]}',
    headers: { etag: '"v7"', location: '/cart/items/MUG-BLUE' },
  } satisfies IdempotentResponse,
};

/**
 * The behaviour every `Store` implementation must have. Each test gets a fresh database from `open`, so tests are
 * independent and may run in any order.
 */
export function defineStoreContract(lab: LabScript, name: Dialect, open: () => Promise<StoreFixture>): void {
  const { describe, it, beforeEach, afterEach } = lab;

  describe(`${name} store`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.dispose();
    });

    it('names its dialect', () => {
      expect(store.dialect).to.equal(name);
    });

    it('answers a ping', async () => {
      await expect(store.ping()).to.not.reject();
    });

    describe('users', () => {
      it('creates a user and finds it by id and by email', async () => {
        const created = await store.users.create({
          id: 'b0c5a3f2-4d7e-4c2a-9f3e-2a1b0c9d8e7f',
          email: 'ada@example.com',
          passwordHash: 'scrypt$17$8$1$salt$key',
          createdAt: internals.now,
        });

        const expected: UserRecord = {
          id: 'b0c5a3f2-4d7e-4c2a-9f3e-2a1b0c9d8e7f',
          email: 'ada@example.com',
          passwordHash: 'scrypt$17$8$1$salt$key',
          tokenVersion: 0,
          createdAt: internals.now,
          kind: 'account',
          touchedAt: null,
        };
        expect(created).to.equal(expected);
        expect(await store.users.findById(expected.id)).to.equal(expected);
        expect(await store.users.findByEmail('ada@example.com')).to.equal(expected);
      });

      it('stores the email lower-cased and finds it whatever the case', async () => {
        const user = await internals.user(store, 'Grace.Hopper@Example.COM');

        expect(user.email).to.equal('grace.hopper@example.com');
        expect((await store.users.findByEmail('GRACE.HOPPER@example.com'))?.id).to.equal(user.id);
      });

      it('returns null for an email that is already taken, compared case-insensitively', async () => {
        const first = await internals.user(store, 'alan@example.com');

        const second = await store.users.create({
          id: randomUUID(),
          email: 'ALAN@Example.com',
          passwordHash: 'other',
          createdAt: internals.now,
        });

        expect(second).to.be.null();
        expect(await store.users.findByEmail('alan@example.com')).to.equal(first);
      });

      it('returns null for an unknown id or email', async () => {
        expect(await store.users.findById(randomUUID())).to.be.null();
        expect(await store.users.findByEmail('nobody@example.com')).to.be.null();
      });

      it('bumps the token version once per call, also when calls run concurrently', async () => {
        const user = await internals.user(store);

        const versions = await Promise.all(Array.from({ length: 10 }, () => store.users.bumpTokenVersion(user.id)));

        expect([...versions].sort((a, b) => (a ?? 0) - (b ?? 0))).to.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect((await store.users.findById(user.id))?.tokenVersion).to.equal(10);
      });

      it('returns null when bumping the token version of an unknown user', async () => {
        expect(await store.users.bumpTokenVersion(randomUUID())).to.be.null();
      });

      it('locks an existing user inside a transaction and reports an unknown one', async () => {
        const user = await internals.user(store);

        const [known, unknown] = await store.transaction(async (tx) => [
          await tx.users.lock(user.id),
          await tx.users.lock(randomUUID()),
        ]);

        expect(known).to.be.true();
        expect(unknown).to.be.false();
      });

      it('refuses to lock a user or a cart outside a transaction', async () => {
        const user = await internals.user(store);

        await expect(store.users.lock(user.id)).to.reject(/inside transaction/);
        await expect(store.carts.lock(user.id)).to.reject(/inside transaction/);
      });

      it('deletes a user together with their cart, preferences and refresh tokens', async () => {
        await store.products.upsert(internals.products);
        const user = await internals.user(store);
        const other = await internals.user(store);
        for (const owner of [user, other]) {
          await store.transaction(async (tx) => {
            await tx.carts.lock(owner.id);
            await tx.carts.setQuantity(owner.id, 'MUG-BLUE', 2, internals.now);
            await tx.carts.bumpVersion(owner.id);
          });
          await store.preferences.set(owner.id, 'theme', 'dark', internals.now);
        }
        const token = internals.token(user.id);
        await store.tokens.insert(token);

        expect(await store.users.delete(user.id)).to.be.true();

        expect(await store.users.findById(user.id)).to.be.null();
        expect(await store.carts.get(user.id)).to.equal({ version: 0, currencyPreference: undefined, lines: [] });
        expect(await store.preferences.count(user.id)).to.equal(0);
        expect(await store.tokens.consume(token.tokenHash, internals.now)).to.equal({ status: 'invalid' });
        expect((await store.carts.get(other.id)).lines).to.have.length(1);
        expect(await store.preferences.count(other.id)).to.equal(1);
        expect(await store.users.delete(user.id)).to.be.false();
      });
    });

    describe('guests', () => {
      const hour = 3600_000;

      it('creates a guest with no email or password, touched when created', async () => {
        const guest = await store.users.createGuest(randomUUID(), internals.now);
        expect(guest).to.include({ kind: 'guest', email: null, passwordHash: null, tokenVersion: 0, createdAt: internals.now, touchedAt: internals.now });
        expect(await store.users.findById(guest.id)).to.equal(guest);
      });

      it('touches a guest only when its last touch is older than asked', async () => {
        const guest = await store.users.createGuest(randomUUID(), internals.now);
        await store.users.touchGuest(guest.id, internals.later(hour / 2), internals.now);
        expect((await store.users.findById(guest.id))?.touchedAt).to.equal(internals.now);
        await store.users.touchGuest(guest.id, internals.later(2 * hour), internals.later(hour));
        expect((await store.users.findById(guest.id))?.touchedAt).to.equal(internals.later(2 * hour));
      });

      it('deletes idle guests with their rows and requests, never accounts or recent guests', async () => {
        const idle = await store.users.createGuest(randomUUID(), internals.now);
        const recent = await store.users.createGuest(randomUUID(), internals.later(2 * hour));
        const account = await internals.user(store);
        await store.preferences.set(idle.id, 'theme', 'dark', internals.now);
        await store.transaction(async (tx) => {
          await tx.idempotency.claim(`user:${idle.id}`, 'k1', 'f'.repeat(64), internals.now, internals.later(100 * hour));
          await tx.idempotency.complete(`user:${idle.id}`, 'k1', { status: 200, body: '{}', headers: {} });
        });

        expect(await store.users.deleteIdleGuests(internals.later(hour))).to.equal(1);
        expect(await store.users.findById(idle.id)).to.be.null();
        expect(await store.preferences.count(idle.id)).to.equal(0);
        const left = await store.accounts.collect({ userId: idle.id, idempotencyScopes: [`user:${idle.id}`], loginAccounts: [] });
        expect(left.requests).to.equal([]);
        expect(await store.users.findById(recent.id)).to.include({ kind: 'guest' });
        expect(await store.users.findById(account.id)).to.include({ kind: 'account' });
      });
    });

    describe('products', () => {
      beforeEach(async () => {
        await store.products.upsert(internals.products);
      });

      it('lists active products ordered by sku with the total', async () => {
        const page = await store.products.list({ limit: 50, offset: 0 });

        expect(internals.skus(page.items)).to.equal(['MUG-BLUE', 'MUG-RED', 'PIPE-A_B', 'TEE-BLACK-M', 'TEE-WHITE-M']);
        expect(page.total).to.equal(5);
        expect(page.items[0]).to.equal(internals.products[0]!);
      });

      it('includes inactive products when asked', async () => {
        const page = await store.products.list({ includeInactive: true, limit: 50, offset: 0 });

        expect(internals.skus(page.items)).to.equal(['MUG-BLUE', 'MUG-RED', 'OLD-CAP', 'PIPE-A_B', 'TEE-BLACK-M', 'TEE-WHITE-M']);
        expect(page.items[2]?.active).to.be.false();
        expect(page.total).to.equal(6);
      });

      it('pages with limit and offset while the total counts every match', async () => {
        const page = await store.products.list({ limit: 2, offset: 2 });
        const beyond = await store.products.list({ limit: 2, offset: 10 });

        expect(internals.skus(page.items)).to.equal(['PIPE-A_B', 'TEE-BLACK-M']);
        expect(page.total).to.equal(5);
        expect(beyond).to.equal({ items: [], total: 5 });
      });

      it('searches sku, name and description case-insensitively', async () => {
        expect(internals.skus((await store.products.list({ q: 'tee-', limit: 50, offset: 0 })).items)).to.equal([
          'TEE-BLACK-M',
          'TEE-WHITE-M',
        ]);
        expect(internals.skus((await store.products.list({ q: 'RED MUG', limit: 50, offset: 0 })).items)).to.equal(['MUG-RED']);
        const enamel = await store.products.list({ q: 'eNaMeL', limit: 1, offset: 0 });
        expect(internals.skus(enamel.items)).to.equal(['MUG-BLUE']);
        expect(enamel.total).to.equal(2);
      });

      it('searches inactive products only when asked', async () => {
        expect((await store.products.list({ q: 'mug-shaped', limit: 50, offset: 0 })).total).to.equal(0);
        expect((await store.products.list({ q: 'mug-shaped', includeInactive: true, limit: 50, offset: 0 })).total).to.equal(1);
      });

      it('treats punctuation in a search as a word break, never as an operator', async () => {
        const search = async (q: string): Promise<string[]> =>
          internals.skus((await store.products.list({ q, limit: 50, offset: 0 })).items);

        expect(await search('100% cotton')).to.equal(['TEE-BLACK-M']);
        expect(await search('A_B')).to.equal(['PIPE-A_B']);
        expect(await search('snake_case')).to.equal(['PIPE-A_B']);
        for (const q of ['%', '\\', '"', '*', '(', 'NEAR(', '-', ':']) {
          expect(await search(q)).to.equal([]);
        }
        expect(await search('mug AND NOT red')).to.equal([]);
        expect(await search('cotton OR mug')).to.equal([]);
      });

      it('matches the last word of a search as a prefix, and the others whole', async () => {
        const search = async (q: string): Promise<string[]> =>
          internals.skus((await store.products.list({ q, limit: 50, offset: 0 })).items);

        expect(await search('cott')).to.equal(['TEE-BLACK-M', 'TEE-WHITE-M']);
        expect(await search('cott medium')).to.equal([]);
        expect(await search('medium cott')).to.equal(['TEE-BLACK-M']);
      });

      it('keeps the search index in step with upserts', async () => {
        await store.products.upsert([{ ...internals.products[0]!, name: 'Cobalt Beaker' }]);

        expect(internals.skus((await store.products.list({ q: 'cobalt', limit: 50, offset: 0 })).items)).to.equal(['MUG-BLUE']);
        expect(internals.skus((await store.products.list({ q: 'blue', limit: 50, offset: 0 })).items)).to.equal(['MUG-BLUE']);
        expect(internals.skus((await store.products.list({ q: 'blue mug', limit: 50, offset: 0 })).items)).to.equal(['MUG-BLUE']);
        expect((await store.products.list({ q: 'beaker', limit: 50, offset: 0 })).total).to.equal(1);
      });

      it('gets many products by sku in one call, active or not, leaving out unknown ones', async () => {
        const found = await store.products.getMany(['OLD-CAP', 'NOPE', 'MUG-BLUE', "x' OR 1=1"]);

        expect(found.map((product) => product.sku)).to.equal(['MUG-BLUE', 'OLD-CAP']);
        expect(found[0]).to.equal(internals.products[0]!);
        expect(await store.products.getMany([])).to.equal([]);
      });

      it('gets any product by sku, active or not, and null for an unknown one', async () => {
        expect(await store.products.get('MUG-RED')).to.equal(internals.products[1]!);
        expect((await store.products.get('OLD-CAP'))?.active).to.be.false();
        expect(await store.products.get('NOPE')).to.be.null();
      });

      it('upserts: inserts new products and updates existing ones, the last of a sku winning', async () => {
        await store.products.upsert([
          { sku: 'MUG-RED', name: 'Red Mug v2', description: 'Stoneware', prices: { EUR: 1990 }, active: false },
          { sku: 'NEW-ONE', name: 'New', description: '', prices: { EUR: 100, USD: 110 }, active: true },
          { sku: 'NEW-ONE', name: 'Newer', description: 'Second', prices: { EUR: 200, GBP: 180 }, active: true },
        ]);
        await store.products.upsert([]);

        expect(await store.products.get('MUG-RED')).to.equal({
          sku: 'MUG-RED',
          name: 'Red Mug v2',
          description: 'Stoneware',
          prices: { EUR: 1990 },
          active: false,
          stock: null,
        });
        expect(await store.products.get('NEW-ONE')).to.equal({
          sku: 'NEW-ONE',
          name: 'Newer',
          description: 'Second',
          prices: { EUR: 200, GBP: 180 },
          active: true,
          stock: null,
        });
        expect((await store.products.list({ includeInactive: true, limit: 50, offset: 0 })).total).to.equal(7);
      });
    });

    describe('carts', () => {
      let userId: string;

      beforeEach(async () => {
        await store.products.upsert(internals.products);
        userId = (await internals.user(store)).id;
      });

      it('returns an empty cart at version 0 for a user who never had one', async () => {
        expect(await store.carts.get(userId)).to.equal({ version: 0, currencyPreference: undefined, lines: [] });
        expect(await store.carts.countLines(userId)).to.equal(0);
        expect((await store.carts.lineState(userId, 'MUG-BLUE')).quantity).to.be.null();
      });

      it('creates the cart row on lock and counts versions with bumpVersion', async () => {
        const first = await store.transaction((tx) => tx.carts.lock(userId));
        const bumped = await store.transaction(async (tx) => {
          await tx.carts.lock(userId);
          return [await tx.carts.bumpVersion(userId), await tx.carts.bumpVersion(userId)];
        });
        const locked = await store.transaction((tx) => tx.carts.lock(userId));

        expect(first).to.equal(0);
        expect(bumped).to.equal([1, 2]);
        expect(locked).to.equal(2);
        expect((await store.carts.get(userId)).version).to.equal(2);
      });

      it('makes a second lock of one cart wait until the transaction holding it ends', async () => {
        // An existing cart row: for a new one the second insert would wait on the first anyway, lock or not.
        await store.transaction((tx) => tx.carts.lock(userId));
        const locked = internals.signal();
        const hold = internals.signal();
        const first = store.transaction(async (tx) => {
          await tx.carts.lock(userId);
          locked.resolve();
          await hold.promise;
          await tx.carts.bumpVersion(userId);
        });
        await locked.promise;

        let secondSaw: number | undefined;
        const second = store.transaction(async (tx) => {
          secondSaw = await tx.carts.lock(userId);
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        const sawWhileHeld = secondSaw;
        hold.resolve();
        await Promise.all([first, second]);

        expect(sawWhileHeld).to.be.undefined();
        expect(secondSaw).to.equal(1);
      });

      it('makes a second lock of one user wait until the transaction holding it ends', async () => {
        const locked = internals.signal();
        const hold = internals.signal();
        const order: string[] = [];
        const first = store.transaction(async (tx) => {
          await tx.users.lock(userId);
          locked.resolve();
          await hold.promise;
          order.push('first done');
        });
        await locked.promise;

        const second = store.transaction(async (tx) => {
          await tx.users.lock(userId);
          order.push('second locked');
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        hold.resolve();

        await Promise.all([first, second]);
        expect(order).to.equal(['first done', 'second locked']);
      });

      it('bumps the version of a cart that has no row yet', async () => {
        expect(await store.carts.bumpVersion(userId)).to.equal(1);
        expect((await store.carts.get(userId)).version).to.equal(1);
      });

      it('reads the user row and the cart in one call, as carts.get reads the cart', async () => {
        await store.carts.setQuantity(userId, 'MUG-BLUE', 5, internals.now);
        await store.carts.setQuantity(userId, 'MUG-RED', 1, internals.later(1000));
        await store.carts.bumpVersion(userId);
        await store.preferences.set(userId, 'currency', 'EUR', internals.now);

        const found = await store.users.findWithCart(userId);

        expect(found?.user).to.equal((await store.users.findById(userId)) ?? undefined);
        expect(found?.cart).to.equal(await store.carts.get(userId));
        expect(found?.cart.lines.map((line) => line.sku)).to.equal(['MUG-BLUE', 'MUG-RED']);
        expect(found?.cart.currencyPreference).to.equal('EUR');
      });

      it('reads a user without a cart with an empty cart, and an unknown user as null', async () => {
        expect((await store.users.findWithCart(userId))?.cart).to.equal({ version: 0, currencyPreference: undefined, lines: [] });
        expect(await store.users.findWithCart(randomUUID())).to.be.null();
      });

      it('reads the token version the user row holds now, with the cart', async () => {
        await store.users.bumpTokenVersion(userId);

        expect((await store.users.findWithCart(userId))?.user.tokenVersion).to.equal(1);
      });

      it('reads a line, the line count and the product in one call', async () => {
        await store.carts.setQuantity(userId, 'MUG-BLUE', 5, internals.now);
        await store.carts.setQuantity(userId, 'MUG-RED', 1, internals.now);

        expect(await store.carts.lineState(userId, 'MUG-BLUE')).to.equal({ quantity: 5, lineCount: 2, product: { active: true, stock: null } });
        expect(await store.carts.lineState(userId, 'TEE-BLACK-M')).to.equal({ quantity: null, lineCount: 2, product: { active: true, stock: null } });
        expect(await store.carts.lineState(userId, 'NO-SUCH-SKU')).to.equal({ quantity: null, lineCount: 2, product: null });
      });

      it('reports an inactive product as such', async () => {
        await store.products.upsert([{ ...internals.products[0]!, active: false }]);

        expect((await store.carts.lineState(userId, internals.products[0]!.sku)).product).to.equal({ active: false, stock: null });
      });

      it('keeps the exact sum when many transactions add to one line concurrently', async () => {
        const results = await Promise.all(
          Array.from({ length: 25 }, () =>
            store.transaction(async (tx) => {
              await tx.carts.lock(userId);
              const quantity = await addToLine(tx, userId, 'MUG-BLUE', 1, internals.now);
              await tx.carts.bumpVersion(userId);
              return quantity;
            }),
          ),
        );

        expect([...results].sort((a, b) => (a ?? 0) - (b ?? 0))).to.equal(Array.from({ length: 25 }, (_, i) => i + 1));
        const cart = await store.carts.get(userId);
        expect(cart.version).to.equal(25);
        expect(cart.lines[0]?.quantity).to.equal(25);
      });

      it('orders lines by when they were first added, then by sku', async () => {
        await store.carts.setQuantity(userId, 'TEE-WHITE-M', 1, internals.later(2000));
        await store.carts.setQuantity(userId, 'MUG-RED', 1, internals.later(1000));
        await store.carts.setQuantity(userId, 'MUG-BLUE', 1, internals.later(2000));
        await store.carts.setQuantity(userId, 'MUG-RED', 2, internals.later(5000));

        const cart = await store.carts.get(userId);

        expect(cart.lines.map((line) => [line.sku, line.quantity, line.addedAt.getTime()])).to.equal([
          ['MUG-RED', 2, internals.later(1000).getTime()],
          ['MUG-BLUE', 1, internals.later(2000).getTime()],
          ['TEE-WHITE-M', 1, internals.later(2000).getTime()],
        ]);
      });

      it('shows the current product name and price on cart lines', async () => {
        await store.carts.setQuantity(userId, 'MUG-BLUE', 1, internals.now);
        await store.products.upsert([{ ...internals.products[0]!, name: 'Deep Blue Mug', prices: { EUR: 1690, USD: 1890 } }]);

        const [line] = (await store.carts.get(userId)).lines;

        expect(line?.name).to.equal('Deep Blue Mug');
        expect(line?.prices).to.equal({ EUR: 1690, USD: 1890 });
      });

      it('reads the currency preference with the cart, in the same statement', async () => {
        await store.carts.setQuantity(userId, 'MUG-BLUE', 1, internals.now);
        expect((await store.carts.get(userId)).currencyPreference).to.be.undefined();

        await store.preferences.set(userId, 'currency', 'USD', internals.now);

        const cart = await store.carts.get(userId);
        expect(cart.currencyPreference).to.equal('USD');
        expect(cart.lines.map((line) => line.sku)).to.equal(['MUG-BLUE']);
      });

      it('sets a quantity, creating the line if needed and keeping when it was first added', async () => {
        await store.carts.setQuantity(userId, 'MUG-BLUE', 4, internals.now);
        await store.carts.setQuantity(userId, 'MUG-BLUE', 2, internals.later(1000));

        const cart = await store.carts.get(userId);
        expect(cart.lines.map((line) => [line.sku, line.quantity, line.addedAt])).to.equal([['MUG-BLUE', 2, internals.now]]);
      });

      it('removes one line and reports whether it existed', async () => {
        await store.carts.setQuantity(userId, 'MUG-BLUE', 1, internals.now);
        await store.carts.setQuantity(userId, 'MUG-RED', 1, internals.now);

        expect(await store.carts.removeLine(userId, 'MUG-BLUE')).to.be.true();
        expect(await store.carts.removeLine(userId, 'MUG-BLUE')).to.be.false();
        expect((await store.carts.get(userId)).lines.map((line) => line.sku)).to.equal(['MUG-RED']);
      });

      it('clears every line of one cart and returns how many there were', async () => {
        const other = await internals.user(store);
        await store.carts.setQuantity(userId, 'MUG-BLUE', 1, internals.now);
        await store.carts.setQuantity(userId, 'MUG-RED', 1, internals.now);
        await store.carts.setQuantity(other.id, 'MUG-RED', 1, internals.now);

        expect(await store.carts.countLines(userId)).to.equal(2);
        expect(await store.carts.clear(userId)).to.equal(2);
        expect(await store.carts.clear(userId)).to.equal(0);
        expect(await store.carts.countLines(userId)).to.equal(0);
        expect(await store.carts.countLines(other.id)).to.equal(1);
      });
    });

    describe('stock and orders', () => {
      let userId: string;
      const order = (id: string, placedAt: Date, owner = userId): OrderRecord => ({
        id,
        userId: owner,
        state: 'placed',
        lines: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 1490, lineTotal: 2980 }],
        subtotal: 2980,
        itemCount: 2,
        currency: 'EUR',
        placedAt,
      });

      beforeEach(async () => {
        await store.products.upsert([...internals.products, { ...internals.products[0]!, sku: 'LIMITED', stock: 3 }]);
        userId = (await internals.user(store)).id;
      });

      it('takes stock while there is enough, never below zero, and always when unlimited', async () => {
        expect(await store.orders.takeStock('LIMITED', 2)).to.be.true();
        expect(await store.orders.takeStock('LIMITED', 2)).to.be.false();
        expect(await store.orders.takeStock('LIMITED', 1)).to.be.true();
        expect(await store.orders.takeStock('LIMITED', 1)).to.be.false();
        expect((await store.products.get('LIMITED'))?.stock).to.equal(0);
        expect(await store.orders.takeStock('MUG-BLUE', 99)).to.be.true();
        expect((await store.products.get('MUG-BLUE'))?.stock).to.be.null();
        expect(await store.orders.takeStock('NO-SUCH', 1)).to.be.false();
      });

      it('lets exactly the stock be taken by concurrent transactions', async () => {
        const taken = await Promise.all(Array.from({ length: 10 }, () => store.transaction((tx) => tx.orders.takeStock('LIMITED', 1))));
        expect(taken.filter(Boolean)).to.have.length(3);
        expect((await store.products.get('LIMITED'))?.stock).to.equal(0);
      });

      it('reads the cart lines with their products as the catalogue has them now, for a checkout', async () => {
        await store.carts.setQuantity(userId, 'LIMITED', 4, new Date(1000));
        const [line] = (await store.carts.get(userId)).lines;
        expect(line).to.include({ sku: 'LIMITED', name: 'Blue Mug', quantity: 4, active: true, stock: 3 });
        await store.products.upsert([{ ...(await store.products.get('LIMITED'))!, active: false, stock: 1 }]);
        expect((await store.carts.get(userId)).lines[0]).to.include({ active: false, stock: 1 });
      });

      it("lists a user's orders newest first, and gets one only for its owner", async () => {
        const other = (await internals.user(store)).id;
        await store.orders.insert(order('a-1', new Date(1000)));
        await store.orders.insert(order('a-2', new Date(2000)));
        await store.orders.insert(order('b-1', new Date(3000), other));
        const page = await store.orders.list(userId, 10, 0);
        expect(page.total).to.equal(2);
        expect(page.items.map((item) => item.id)).to.equal(['a-2', 'a-1']);
        expect(await store.orders.get(userId, 'a-1')).to.equal(order('a-1', new Date(1000)));
        expect(await store.orders.get(userId, 'b-1')).to.be.null();
      });

      it("keeps a deleted user's orders without the user", async () => {
        await store.orders.insert(order('a-1', new Date(1000)));
        const erased = await store.transaction((tx) => tx.accounts.erase({ userId, idempotencyScopes: [], loginAccounts: [] }));
        expect(erased.orders).to.equal(1);
        expect(await store.users.findById(userId)).to.be.null();
        expect(await store.orders.list(userId, 10, 0)).to.equal({ items: [], total: 0 });
        // The row is still there, without an owner: its id is taken.
        await expect(store.orders.insert(order('a-1', new Date(1000), (await internals.user(store)).id))).to.reject();
      });
    });

    describe('preferences', () => {
      let userId: string;

      beforeEach(async () => {
        userId = (await internals.user(store)).id;
      });

      it('stores JSON values and returns them parsed, ordered by key', async () => {
        await store.preferences.set(userId, 'theme', 'dark', internals.now);
        await store.preferences.set(userId, 'currency', 'EUR', internals.now);
        await store.preferences.set(userId, 'page.size', 50, internals.now);
        await store.preferences.set(userId, 'emails', false, internals.now);
        await store.preferences.set(userId, 'nickname', null, internals.now);
        await store.preferences.set(userId, 'quote', 'say "hi" \\ ünïcödé', internals.now);

        const list = await store.preferences.list(userId);

        expect(Object.keys(list)).to.equal(['currency', 'emails', 'nickname', 'page.size', 'quote', 'theme']);
        expect(list).to.equal({
          currency: 'EUR',
          emails: false,
          nickname: null,
          'page.size': 50,
          quote: 'say "hi" \\ ünïcödé',
          theme: 'dark',
        });
        expect(await store.preferences.count(userId)).to.equal(6);
      });

      it('gets undefined for a missing key and null for a stored null', async () => {
        await store.preferences.set(userId, 'nickname', null, internals.now);

        expect(await store.preferences.get(userId, 'nickname')).to.be.null();
        expect(await store.preferences.get(userId, 'missing')).to.be.undefined();
        expect(await store.preferences.list(randomUUID())).to.equal({});
      });

      it('replaces the value of an existing key', async () => {
        await store.preferences.set(userId, 'theme', 'dark', internals.now);
        await store.preferences.set(userId, 'theme', { mode: 'light', contrast: [1, 2] }, internals.later(1000));

        expect(await store.preferences.get(userId, 'theme')).to.equal({ mode: 'light', contrast: [1, 2] });
        expect(await store.preferences.count(userId)).to.equal(1);
      });

      it('deletes a key and reports whether it existed', async () => {
        await store.preferences.set(userId, 'theme', 'dark', internals.now);

        expect(await store.preferences.delete(userId, 'theme')).to.be.true();
        expect(await store.preferences.delete(userId, 'theme')).to.be.false();
        expect(await store.preferences.get(userId, 'theme')).to.be.undefined();
      });

      it('refuses a value that has no JSON form', async () => {
        await expect(store.preferences.set(userId, 'theme', undefined, internals.now)).to.reject(TypeError);
        expect(await store.preferences.count(userId)).to.equal(0);
      });
    });

    describe('refresh tokens', () => {
      let userId: string;

      beforeEach(async () => {
        userId = (await internals.user(store)).id;
      });

      it('consumes a live token once and reports its reuse after that', async () => {
        const token = internals.token(userId, { tokenVersion: 3 });
        await store.tokens.insert(token);

        const first = await store.tokens.consume(token.tokenHash, internals.later(1000));
        const second = await store.tokens.consume(token.tokenHash, internals.later(2000));

        const consumed = { ...token, usedAt: internals.later(1000), revokedAt: null };
        expect(first).to.equal({ status: 'consumed', token: consumed });
        expect(second).to.equal({ status: 'reused', token: consumed });
      });

      it('lets exactly one of many concurrent consumes of one token succeed', async () => {
        const token = internals.token(userId);
        await store.tokens.insert(token);

        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.tokens.consume(token.tokenHash, internals.later(1000))),
        );

        expect(results.filter((result) => result.status === 'consumed')).to.have.length(1);
        expect(results.filter((result) => result.status === 'reused')).to.have.length(9);
      });

      it('reports unknown, expired and revoked tokens as invalid', async () => {
        const expired = internals.token(userId, { expiresAt: internals.now });
        const revoked = internals.token(userId);
        await store.tokens.insert(expired);
        await store.tokens.insert(revoked);
        await store.tokens.revoke(revoked.tokenHash, userId, internals.now);

        expect(await store.tokens.consume('unknown', internals.now)).to.equal({ status: 'invalid' });
        expect(await store.tokens.consume(expired.tokenHash, internals.now)).to.equal({ status: 'invalid' });
        expect(await store.tokens.consume(revoked.tokenHash, internals.now)).to.equal({ status: 'invalid' });
      });

      it('revokes a token only for its owner, and only once', async () => {
        const other = await internals.user(store);
        const token = internals.token(userId);
        await store.tokens.insert(token);

        expect(await store.tokens.revoke(token.tokenHash, other.id, internals.now)).to.be.false();
        expect(await store.tokens.revoke(token.tokenHash, userId, internals.now)).to.be.true();
        expect(await store.tokens.revoke(token.tokenHash, userId, internals.now)).to.be.false();
        expect(await store.tokens.revoke('unknown', userId, internals.now)).to.be.false();
      });

      it('revokes every live token of a family and counts them', async () => {
        const used = internals.token(userId);
        const live = [internals.token(userId), internals.token(userId)];
        const expired = internals.token(userId, { expiresAt: internals.now });
        const otherFamily = internals.token(userId, { familyId: 'family-2' });
        for (const token of [used, ...live, expired, otherFamily]) {
          await store.tokens.insert(token);
        }
        await store.tokens.consume(used.tokenHash, internals.now);

        expect(await store.tokens.revokeFamily('family-1', internals.later(1000))).to.equal(2);
        expect(await store.tokens.revokeFamily('family-1', internals.later(2000))).to.equal(0);

        for (const token of live) {
          expect(await store.tokens.consume(token.tokenHash, internals.later(3000))).to.equal({ status: 'invalid' });
        }
        expect((await store.tokens.consume(otherFamily.tokenHash, internals.later(3000))).status).to.equal('consumed');
      });

      it('deletes the tokens that expired before a time and counts them', async () => {
        const tokens = [0, 1, 2].map((hours) => internals.token(userId, { expiresAt: internals.later(hours * 3600_000) }));
        for (const token of tokens) {
          await store.tokens.insert(token);
        }

        expect(await store.tokens.deleteExpired(internals.later(3600_000))).to.equal(1);
        expect(await store.tokens.deleteExpired(internals.later(3600_000))).to.equal(0);
        expect((await store.tokens.consume(tokens[1]!.tokenHash, internals.now)).status).to.equal('consumed');
      });
    });

    describe('idempotency keys', () => {
      const scope = 'user:6f1c2b7e';
      const key = 'e3b9a7c0-5d2f-4a8e-9c61-0f4d2b8a7e15';
      const fingerprint = 'a'.repeat(64);
      const otherFingerprint = 'b'.repeat(64);
      const hour = 3600_000;

      /** A claim's arguments; unset ones are the constants above, `internals.now` and an hour later. */
      interface Claim {
        scope?: string;
        key?: string;
        fingerprint?: string;
        now?: Date;
        expiresAt?: Date;
      }

      const claimIn = (tx: Store, claim: Claim): Promise<ClaimResult> =>
        tx.idempotency.claim(
          claim.scope ?? scope,
          claim.key ?? key,
          claim.fingerprint ?? fingerprint,
          claim.now ?? internals.now,
          claim.expiresAt ?? internals.later(hour),
        );

      /** Claims in a transaction of its own that commits, whatever the claim found. */
      const claim = (options: Claim = {}): Promise<ClaimResult> => store.transaction((tx) => claimIn(tx, options));

      /** Claims and completes in a transaction of its own, as a first request would; throws unless the claim succeeds. */
      const remember = (response: IdempotentResponse, options: Claim = {}): Promise<void> =>
        store.transaction(async (tx) => {
          const result = await claimIn(tx, options);
          if (result.status !== 'claimed') {
            throw new Error(`expected to claim the key, but the claim found ${result.status}`);
          }
          await tx.idempotency.complete(options.scope ?? scope, options.key ?? key, response);
        });

      it('claims a new key, then replays exactly the response completed with it', async () => {
        const first = await store.transaction(async (tx) => {
          const result = await claimIn(tx, {});
          await tx.idempotency.complete(scope, key, internals.response);
          return result;
        });

        const replay = await claim({ now: internals.later(1000), expiresAt: internals.later(2 * hour) });

        expect(first).to.equal({ status: 'claimed' });
        expect(replay).to.equal({
          status: 'replay',
          record: {
            scope,
            key,
            fingerprint,
            status: 201,
            body: internals.response.body,
            headers: { etag: '"v7"', location: '/cart/items/MUG-BLUE' },
            createdAt: internals.now,
            expiresAt: internals.later(hour),
          },
        });
      });

      it('replays an empty body and no headers as stored, not as missing', async () => {
        await remember({ status: 204, body: '', headers: {} });

        const replay = await claim();

        expect(replay.status === 'replay' && [replay.record.status, replay.record.body, replay.record.headers]).to.equal([
          204,
          '',
          {},
        ]);
      });

      it('reports a key used with a different request as a mismatch', async () => {
        await remember(internals.response);

        expect(await claim({ fingerprint: otherFingerprint })).to.equal({ status: 'mismatch' });
      });

      it('keeps the same key in different scopes apart', async () => {
        await remember(internals.response);

        await remember({ status: 200, body: '{}', headers: {} }, { scope: 'user:other' });

        expect((await claim()).status).to.equal('replay');
        const other = await claim({ scope: 'user:other' });
        expect(other.status === 'replay' && other.record.body).to.equal('{}');
      });

      it('keeps a record until the moment it expires, then lets the key be claimed afresh', async () => {
        await remember(internals.response);

        const justBefore = await claim({ fingerprint: otherFingerprint, now: internals.later(hour - 1) });
        const fresh = { fingerprint: otherFingerprint, now: internals.later(hour), expiresAt: internals.later(3 * hour) };
        await remember({ status: 200, body: '"new"', headers: {} }, fresh);
        const replay = await claim({ fingerprint: otherFingerprint, now: internals.later(hour + 1) });

        expect(justBefore).to.equal({ status: 'mismatch' });
        expect(replay).to.equal({
          status: 'replay',
          record: {
            scope,
            key,
            fingerprint: otherFingerprint,
            status: 200,
            body: '"new"',
            headers: {},
            createdAt: internals.later(hour),
            expiresAt: internals.later(3 * hour),
          },
        });
      });

      it('never replays an expired response, even after a claim of its key that was committed without completing', async () => {
        await remember(internals.response);

        // Committing a claim without completing it breaks the contract (Postgres then reports the key in flight; SQLite,
        // whose claim only reads, lets it be claimed again); either way the old response is gone.
        const reclaimed = await claim({ now: internals.later(2 * hour), expiresAt: internals.later(3 * hour) });
        const after = await claim({ now: internals.later(2 * hour + 1) });

        expect(reclaimed).to.equal({ status: 'claimed' });
        expect(after.status).to.not.equal('replay');
      });

      it('refuses to complete a claim a second time in the same transaction', async () => {
        const second = store.transaction(async (tx) => {
          await claimIn(tx, {});
          await tx.idempotency.complete(scope, key, internals.response);
          await tx.idempotency.complete(scope, key, { ...internals.response, status: 500 });
        });

        await expect(second).to.reject(/no claimed key/);
        await expect(remember(internals.response)).to.not.reject();
      });

      it('leaves no record of a claim whose transaction rolled back', async () => {
        await expect(
          store.transaction(async (tx) => {
            await claimIn(tx, {});
            await tx.idempotency.complete(scope, key, internals.response);
            throw new Error('the mutation failed');
          }),
        ).to.reject('the mutation failed');

        await expect(remember(internals.response, { fingerprint: otherFingerprint })).to.not.reject();
      });

      it('refuses to claim or complete a key outside a transaction', async () => {
        await expect(claimIn(store, {})).to.reject(/inside transaction/);
        await expect(store.idempotency.complete(scope, key, internals.response)).to.reject(/inside transaction/);
      });

      it('refuses to complete a key the transaction did not claim', async () => {
        await remember(internals.response);

        const unknown = store.transaction((tx) => tx.idempotency.complete(scope, 'unknown', internals.response));
        const done = store.transaction((tx) => tx.idempotency.complete(scope, key, { ...internals.response, status: 500 }));

        await expect(unknown).to.reject(/no claimed key/);
        await expect(done).to.reject(/no claimed key/);
        const replay = await claim();
        expect(replay.status === 'replay' && replay.record.status).to.equal(201);
      });

      it('deletes the records that expired before a time and counts them', async () => {
        for (const hours of [1, 2, 3]) {
          await remember(internals.response, { key: `key-${hours}`, expiresAt: internals.later(hours * hour) });
        }

        expect(await store.idempotency.deleteExpired(internals.later(2 * hour))).to.equal(1);
        expect(await store.transaction((tx) => tx.idempotency.deleteExpired(internals.later(2 * hour)))).to.equal(0);

        // The deleted key is free again, even for another request; the others are kept.
        await expect(remember(internals.response, { key: 'key-1', fingerprint: otherFingerprint })).to.not.reject();
        expect((await claim({ key: 'key-2' })).status).to.equal('replay');
        expect((await claim({ key: 'key-3' })).status).to.equal('replay');
      });

      it('runs the mutation of exactly one of many concurrent claims of one key and replays it to the others', async () => {
        await store.products.upsert(internals.products);
        const userId = (await internals.user(store)).id;

        const claims = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.transaction(async (tx) => {
              const result = await claimIn(tx, {});
              if (result.status === 'claimed') {
                await tx.carts.lock(userId);
                const quantity = await addToLine(tx, userId, 'MUG-BLUE', 1, internals.now);
                const version = await tx.carts.bumpVersion(userId);
                // Hold the claim uncommitted for a moment, so the other claims really do meet it.
                await new Promise((resolve) => setTimeout(resolve, 20));
                await tx.idempotency.complete(scope, key, { status: 200, body: JSON.stringify({ quantity, version }), headers: {} });
              }
              return result;
            }),
          ),
        );

        expect(claims.filter((result) => result.status === 'claimed')).to.have.length(1);
        const replays = claims.filter((result) => result.status === 'replay');
        expect(replays).to.have.length(9);
        expect(replays.every((result) => result.record.body === '{"quantity":1,"version":1}')).to.be.true();
        const cart = await store.carts.get(userId);
        expect(cart.version).to.equal(1);
        expect(cart.lines.map((line) => [line.sku, line.quantity])).to.equal([['MUG-BLUE', 1]]);
      });
    });

    describe('login failures', () => {
      const minute = 60_000;
      const window = 15 * minute;
      /** Records a failure at `at`, with the window the server would use. */
      const fail = (account: string, address: string, at = internals.now): Promise<void> =>
        store.loginFailures.record(account, address, at, new Date(at.getTime() - window));
      const since = (at = internals.now): Date => new Date(at.getTime() - window);

      it('counts nothing for an account and address that never failed', async () => {
        expect(await store.loginFailures.count('acct', '192.0.2.1', since())).to.equal({
          account: 0,
          address: 0,
          accountOldest: null,
          addressOldest: null,
        });
      });

      it('adds up an account over every address and an address over every account', async () => {
        await fail('alice', '192.0.2.1');
        await fail('alice', '192.0.2.1', internals.later(minute));
        await fail('alice', '192.0.2.2', internals.later(2 * minute));
        await fail('bob', '192.0.2.1', internals.later(3 * minute));

        const counts = await store.loginFailures.count('alice', '192.0.2.1', since(internals.later(3 * minute)));
        expect(counts).to.equal({ account: 3, address: 3, accountOldest: internals.now, addressOldest: internals.now });
        expect((await store.loginFailures.count('bob', '192.0.2.9', since(internals.later(3 * minute)))).account).to.equal(1);
      });

      it('keeps the exact count when many failures of one pair are recorded concurrently', async () => {
        await Promise.all(Array.from({ length: 25 }, () => fail('alice', '192.0.2.1')));
        expect((await store.loginFailures.count('alice', '192.0.2.1', since())).account).to.equal(25);
      });

      it('stops counting a window once it has passed, and starts a new one with the next failure', async () => {
        await fail('alice', '192.0.2.1');
        await fail('alice', '192.0.2.1', internals.later(minute));
        const after = internals.later(window);
        expect((await store.loginFailures.count('alice', '192.0.2.1', since(after))).account).to.equal(0);

        await fail('alice', '192.0.2.1', after);
        expect(await store.loginFailures.count('alice', '192.0.2.1', since(after))).to.equal({
          account: 1,
          address: 1,
          accountOldest: after,
          addressOldest: after,
        });
      });

      it('takes back one failure on release, never going below zero', async () => {
        await fail('alice', '192.0.2.1');
        await fail('alice', '192.0.2.1');
        await store.loginFailures.release('alice', '192.0.2.1');
        expect((await store.loginFailures.count('alice', '192.0.2.1', since())).account).to.equal(1);
        await store.loginFailures.release('alice', '192.0.2.1');
        await store.loginFailures.release('alice', '192.0.2.1');
        await store.loginFailures.release('nobody', '192.0.2.1');
        expect(await store.loginFailures.count('alice', '192.0.2.1', since())).to.include({ account: 0, accountOldest: null });
      });

      it('clears only the pair of the successful address, leaving other addresses counted', async () => {
        await fail('alice', '192.0.2.1');
        await fail('alice', '192.0.2.1');
        await fail('alice', '198.51.100.7');
        expect(await store.loginFailures.clear('alice', '198.51.100.7')).to.be.true();
        expect(await store.loginFailures.clear('alice', '198.51.100.7')).to.be.false();
        expect((await store.loginFailures.count('alice', '198.51.100.7', since())).account).to.equal(2);
      });

      it('deletes the pairs whose window started before a time and counts them', async () => {
        await fail('alice', '192.0.2.1');
        await fail('bob', '192.0.2.1', internals.later(10 * minute));
        expect(await store.loginFailures.deleteExpired(internals.later(5 * minute))).to.equal(1);
        expect(await store.loginFailures.deleteExpired(internals.later(5 * minute))).to.equal(0);
        const counts = await store.loginFailures.count('alice', '192.0.2.1', new Date(0));
        expect(counts).to.include({ account: 0, address: 1 });
      });

      it('runs inside a transaction and rolls back with it', async () => {
        await expect(
          store.transaction(async (tx) => {
            await tx.loginFailures.record('alice', '192.0.2.1', internals.now, since());
            throw new Error('roll back');
          }),
        ).to.reject('roll back');
        expect((await store.loginFailures.count('alice', '192.0.2.1', since())).account).to.equal(0);
      });
    });

    describe('transactions', () => {
      it('commits the work and resolves with its result', async () => {
        const result = await store.transaction(async (tx) => {
          await internals.user(tx, 'kept@example.com');
          return 42;
        });

        expect(result).to.equal(42);
        expect(await store.users.findByEmail('kept@example.com')).to.not.be.null();
      });

      it('rolls everything back when the work throws, and rethrows its error', async () => {
        const failure = new Error('changed my mind');

        await expect(
          store.transaction(async (tx) => {
            await internals.user(tx, 'gone@example.com');
            await tx.products.upsert(internals.products);
            throw failure;
          }),
        ).to.reject(failure.message);

        expect(await store.users.findByEmail('gone@example.com')).to.be.null();
        expect((await store.products.list({ includeInactive: true, limit: 10, offset: 0 })).total).to.equal(0);
      });

      it('does not roll back a root-store write issued while a transaction awaits', async () => {
        const inside = internals.signal();
        const hold = internals.signal();
        const transaction = store.transaction(async (tx) => {
          await internals.user(tx, 'inside@example.com');
          inside.resolve();
          await hold.promise;
          throw new Error('roll back');
        });
        await inside.promise;

        const outside = internals.user(store, 'outside@example.com');
        hold.resolve();

        await expect(transaction).to.reject('roll back');
        await outside;
        expect(await store.users.findByEmail('inside@example.com')).to.be.null();
        expect(await store.users.findByEmail('outside@example.com')).to.not.be.null();
      });

      it('keeps a transaction isolated from root-store reads until it commits', async () => {
        const inside = internals.signal();
        const hold = internals.signal();
        const transaction = store.transaction(async (tx) => {
          await internals.user(tx, 'pending@example.com');
          inside.resolve();
          await hold.promise;
        });
        await inside.promise;

        const read = store.users.findByEmail('pending@example.com');
        const seenBeforeCommit = await Promise.race([
          read.then((user) => user !== null),
          new Promise((resolve) => setTimeout(resolve, 50, 'still waiting')),
        ]);
        hold.resolve();
        await transaction;

        // SQLite queues the read behind the transaction (so it sees the commit); Postgres reads the last commit.
        expect(seenBeforeCommit).to.not.equal(true);
        expect(await store.users.findByEmail('pending@example.com')).to.not.be.null();
      });

      it('joins the outer transaction when transaction() is called on a tx store, committing with it', async () => {
        const result = await store.transaction(async (tx) => {
          const inner = await tx.transaction(async (joined) => {
            await internals.user(joined, 'joined@example.com');
            return 'inner';
          });
          await internals.user(tx, 'outer@example.com');
          return [inner, (await tx.users.findByEmail('joined@example.com')) !== null];
        });

        expect(result).to.equal(['inner', true]);
        expect(await store.users.findByEmail('joined@example.com')).to.not.be.null();
        expect(await store.users.findByEmail('outer@example.com')).to.not.be.null();
      });

      it('rolls back the writes of a joined transaction that resolved when the outer one rolls back', async () => {
        await expect(
          store.transaction(async (tx) => {
            await tx.transaction(async (joined) => {
              await internals.user(joined, 'joined@example.com');
              await joined.transaction((twice) => internals.user(twice, 'twice@example.com'));
            });
            throw new Error('outer changed its mind');
          }),
        ).to.reject('outer changed its mind');

        expect(await store.users.findByEmail('joined@example.com')).to.be.null();
        expect(await store.users.findByEmail('twice@example.com')).to.be.null();
      });

      it('passes the rejection of a joined transaction to the outer work, which alone decides', async () => {
        const failure = new Error('inner failed');

        const caught = await store.transaction(async (tx) => {
          const error = await tx
            .transaction(async (joined) => {
              await internals.user(joined, 'inner@example.com');
              throw failure;
            })
            .catch((error: unknown) => error);
          await internals.user(tx, 'outer@example.com');
          return error;
        });

        // No savepoint: the outer work chose to go on, so the joined work's write commits with it.
        expect(caught).to.shallow.equal(failure);
        expect(await store.users.findByEmail('inner@example.com')).to.not.be.null();
        expect(await store.users.findByEmail('outer@example.com')).to.not.be.null();
      });

      it('refuses the root store inside the work of a transaction', async () => {
        await expect(store.transaction(() => store.users.findById('x'))).to.reject(/use the tx store/);
        await expect(store.transaction(() => store.transaction(async () => 1))).to.reject(/use the tx store/);
      });

      it('refuses a tx store used after its transaction ended', async () => {
        const leaked = await store.transaction(async (tx) => tx);

        await expect(leaked.users.findById('x')).to.reject(/after its transaction ended/);
        await expect(leaked.transaction(async () => 1)).to.reject(/after its transaction ended/);
      });
    });

    describe('close', () => {
      it('waits for a running transaction, then refuses further calls as unavailable', async () => {
        const inside = internals.signal();
        const hold = internals.signal();
        const transaction = store.transaction(async (tx) => {
          inside.resolve();
          await hold.promise;
          return internals.user(tx, 'last@example.com');
        });
        await inside.promise;

        let closed = false;
        const closing = store.close().then(() => {
          closed = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        const closedWhileRunning = closed;
        hold.resolve();

        expect(closedWhileRunning).to.be.false();
        expect((await transaction).email).to.equal('last@example.com');
        await closing;
        await expect(store.ping()).to.reject(StoreUnavailableError);
        await expect(store.close()).to.not.reject();
      });
    });

    describe('demo catalog', () => {
      it('seeds an empty products table once', async () => {
        expect(await seedDemoCatalog(store)).to.equal(demoCatalog.length);
        expect(await seedDemoCatalog(store)).to.equal(0);

        const all = await store.products.list({ includeInactive: true, limit: 100, offset: 0 });
        expect(all.total).to.equal(demoCatalog.length);
        expect(all.total).to.be.within(30, 40);
        expect(all.items.every((product) => SKU_PATTERN.test(product.sku))).to.be.true();
        expect(all.items.every((product) => Number.isInteger(product.prices.EUR))).to.be.true();
        expect(all.items.filter((product) => product.prices.USD !== undefined && product.prices.GBP !== undefined).length).to.be.above(30);
        expect(all.items.filter((product) => !product.active).length).to.be.within(1, 2);
      });

      it('leaves an existing catalog alone', async () => {
        await store.products.upsert([internals.products[0]!]);

        expect(await seedDemoCatalog(store)).to.equal(0);
        expect((await store.products.list({ includeInactive: true, limit: 100, offset: 0 })).total).to.equal(1);
      });
    });
  });
}
