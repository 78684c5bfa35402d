import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import Database from 'better-sqlite3';

import { initialSchema } from '../../server/db/migrations/001-initial-schema.js';
import { migrations } from '../../server/db/migrations/index.js';
import { openStore } from '../../server/db/open-store.js';
import { openSqliteStore } from '../../server/db/sqlite.js';
import type { Store } from '../../server/db/store.js';
import { defineStoreContract } from './store-contract.js';
import { addToLine } from '../helpers/cart-lines.js';

export const lab = Lab.script();
/** Every migration, applied in order. */
const allVersions = migrations.map((migration) => migration.version);
const { describe, it, beforeEach, afterEach } = lab;

const run = promisify(execFile);

defineStoreContract(lab, 'sqlite', async () => {
  const store = await openSqliteStore(':memory:');
  return { store, dispose: () => store.close() };
});

describe('sqlite store on a file', () => {
  let dir: string;
  let file: string;
  const opened: Store[] = [];

  const open = async (): Promise<Store> => {
    const store = await openStore({ url: file, dataDir: dir });
    opened.push(store);
    return store;
  };

  const setUpCart = async (store: Store): Promise<string> => {
    await store.products.upsert([{ sku: 'MUG-BLUE', name: 'Blue Mug', description: '', prices: { EUR: 1490 }, active: true }]);
    const user = await store.users.create({ id: randomUUID(), email: 'a@example.com', passwordHash: 'x', createdAt: new Date() });
    return user!.id;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-sqlite-'));
    file = join(dir, 'shop.db');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses WAL and the migrated schema', async () => {
    await open();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).to.equal(
        migrations.map(({ version, name }) => ({ version, name })),
      );
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).to.equal([
        'cart_lines',
        'carts',
        'devices',
        'email_skeletons',
        'idempotency_keys',
        'login_failures',
        'orders',
        'preferences',
        'product_prices',
        'product_search',
        'product_search_config',
        'product_search_content',
        'product_search_data',
        'product_search_docsize',
        'product_search_idx',
        'products',
        'refresh_tokens',
        'registration_attempts',
        'schema_migrations',
        'users',
      ]);
    } finally {
      db.close();
    }
  });

  it('keeps its data and applies no migration twice when reopened', async () => {
    const first = await open();
    const userId = await setUpCart(first);
    await first.close();

    const second = await open();

    expect((await second.users.findById(userId))?.email).to.equal('a@example.com');
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).to.equal(migrations.length);
    } finally {
      db.close();
    }
  });

  it('applies a new migration to a file migrated before it, keeping its data', async () => {
    // What a deployment of the previous release left behind: migration 1 applied, with data.
    const old = new Database(file);
    old.exec(`
      CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT;
      ${initialSchema.sqlite}
      INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'initial schema', 0);
      INSERT INTO users (id, email, password_hash, created_at) VALUES ('u-1', 'old@example.com', 'x', 0);`);
    old.close();

    const store = await open();

    expect((await store.users.findById('u-1'))?.email).to.equal('old@example.com');
    expect(await store.idempotency.deleteExpired(new Date())).to.equal(0);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).to.equal(allVersions);
    } finally {
      db.close();
    }
  });

  it('keeps the exact sum when two stores on one file add to one line concurrently', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const userId = await setUpCart(a!);

    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a! : b!).transaction(async (tx) => {
          await tx.carts.lock(userId);
          await addToLine(tx, userId, 'MUG-BLUE', 1, new Date());
          // Hold the write lock across an await, so the other store really has to wait for it.
          await new Promise((resolve) => setImmediate(resolve));
          await tx.carts.bumpVersion(userId);
        }),
      ),
    );

    const cart = await b!.carts.get(userId);
    expect(cart.version).to.equal(30);
    expect(cart.lines[0]?.quantity).to.equal(30);
  });

  it('migrates once and keeps the exact sum when several processes open one new file and add concurrently', async () => {
    // The schema and the user must exist before the workers lock the cart, so one store migrates and sets up first;
    // the workers then race to open the file (re-checking migrations) and to write.
    const setup = await open();
    const userId = await setUpCart(setup);
    await setup.close();
    const worker = join(import.meta.dirname, 'sqlite-worker.ts');

    const outputs = await Promise.all(
      Array.from({ length: 3 }, () => run(process.execPath, ['--import', 'tsx', worker, file, userId, 'MUG-BLUE', '20'])),
    );

    const seen = outputs.flatMap(({ stdout }) => JSON.parse(stdout) as number[]);
    expect([...seen].sort((x, y) => x - y)).to.equal(Array.from({ length: 60 }, (_, i) => i + 1));
    const store = await open();
    const cart = await store.carts.get(userId);
    expect(cart.version).to.equal(60);
    expect(cart.lines[0]?.quantity).to.equal(60);
  });

  it('migrates a new file exactly once when several processes open it at the same time', async () => {
    const worker = join(import.meta.dirname, 'sqlite-worker.ts');

    // count 0: each worker only opens (and so migrates) the file, then closes it.
    await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', worker, file, 'none', 'NONE', '0'])));

    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).to.equal(allVersions);
    } finally {
      db.close();
    }
  });

  describe('group commit', () => {
    it('runs concurrent transactions as if one after another: each sees the earlier ones, a failed one rolls back alone', async () => {
      const store = await open();
      const userId = await setUpCart(store);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, index) =>
          store.transaction(async (tx) => {
            const before = await tx.carts.lock(userId);
            await tx.carts.bumpVersion(userId);
            await tx.preferences.set(userId, `key-${index}`, index, new Date());
            if (index % 4 === 1) {
              throw new Error(`work ${index} fails after writing`);
            }
            return before;
          }),
        ),
      );
      const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
      expect(failed).to.equal([1, 5, 9]);
      // Versions seen were 0, 1, 2, …: every committed work saw exactly the committed ones before it.
      expect(outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))).to.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect((await store.carts.get(userId)).version).to.equal(9);
      expect(Object.keys(await store.preferences.list(userId)).sort()).to.equal(['key-0', 'key-10', 'key-11', 'key-2', 'key-3', 'key-4', 'key-6', 'key-7', 'key-8']);
    });

    it('resolves a transaction only once its changes are committed, where another connection sees them', async () => {
      const writer = await open();
      const reader = await open();
      const userId = await setUpCart(writer);
      const seen = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          writer
            .transaction((tx) => tx.preferences.set(userId, `key-${index}`, 1, new Date()))
            .then(async () => `key-${index}` in (await reader.preferences.list(userId))),
        ),
      );
      expect(seen).to.equal(Array(8).fill(true));
    });
  });
});
