import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import Database from 'better-sqlite3';
import postgres from 'postgres';

import { migrations } from '../../server/db/migrations/index.js';
import { openStore } from '../../server/db/open-store.js';
import type { Store } from '../../server/db/store.js';
import { createTestDatabase } from '../helpers/postgres.js';

export const lab = Lab.script();
const { describe, it } = lab;

/** Migration 11 (guests) rebuilds `users` on SQLite: an existing database must come through it whole. */
const internals = {
  before: migrations.filter((migration) => migration.version < 11),
  /** A user with a row in every table that names users, written as each dialect stores times (`t`). */
  rows: (t: (ms: number) => string) => `
    INSERT INTO users (id, email, password_hash, token_version, created_at) VALUES ('u1', 'ada@example.test', 'scrypt$x', 3, ${t(1000)});
    INSERT INTO users (id, email, password_hash, token_version, created_at) VALUES ('u2', 'bob@example.test', 'scrypt$y', 0, ${t(2000)});
    INSERT INTO products (sku, name, description, active, stock) VALUES ('MIG-1', 'Mig', '', true, 5);
    INSERT INTO product_prices (sku, currency, amount) VALUES ('MIG-1', 'EUR', 100);
    INSERT INTO carts (user_id, version) VALUES ('u1', 4);
    INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES ('u1', 'MIG-1', 2, ${t(1000)});
    INSERT INTO preferences (user_id, key, value, updated_at) VALUES ('u1', 'theme', '"dark"', ${t(1000)});
    INSERT INTO refresh_tokens (token_hash, user_id, family_id, token_version, created_at, expires_at) VALUES ('h1', 'u1', 'f1', 3, ${t(1000)}, ${t(4e12)});
    INSERT INTO orders (id, user_id, state, lines, subtotal, item_count, currency, placed_at) VALUES ('o1', 'u1', 'placed', '[]', 100, 1, 'EUR', ${t(1000)});
    INSERT INTO devices (user_id, device_id, last_seq, last_seen) VALUES ('u1', 'device-aaaaaaaaaaaa', 7, ${t(1000)});
    INSERT INTO email_skeletons (skeleton, user_id) VALUES ('ada@example.test', 'u1');`,

  async expectKept(store: Store): Promise<void> {
    expect(await store.users.findById('u1')).to.equal({
      id: 'u1',
      kind: 'account',
      email: 'ada@example.test',
      passwordHash: 'scrypt$x',
      tokenVersion: 3,
      createdAt: new Date(1000),
      touchedAt: null,
    });
    const cart = await store.carts.get('u1');
    expect([cart.version, cart.lines.map((line) => [line.sku, line.quantity])]).to.equal([4, [['MIG-1', 2]]]);
    expect(await store.preferences.list('u1')).to.equal({ theme: 'dark' });
    expect((await store.orders.get('u1', 'o1'))?.id).to.equal('o1');
    expect((await store.devices.list('u1')).map((device) => [device.deviceId, device.lastSeq])).to.equal([['device-aaaaaaaaaaaa', 7]]);
    const data = await store.accounts.collect({ userId: 'u1', idempotencyScopes: [], loginAccounts: [] });
    expect(data.sessions).to.have.length(1);
    expect(data.emailKeys).to.have.length(1);
    // Emails stay unique among accounts; any number of guests hold none.
    expect(await store.users.create({ id: 'u3', email: 'ada@example.test', passwordHash: 'h', createdAt: new Date() })).to.be.null();
    await store.users.createGuest('g1', new Date());
    await store.users.createGuest('g2', new Date());
    // Foreign keys still hold after the rebuild: deleting the user cascades, and detaches the order.
    expect(await store.users.delete('u1')).to.be.true();
    expect((await store.carts.get('u1')).lines).to.equal([]);
    expect(await store.devices.list('u1')).to.equal([]);
    expect(await store.orders.get('u1', 'o1')).to.be.null();
    expect(await store.users.findById('u2')).to.include({ email: 'bob@example.test' });
  },
};

describe('migration 11 (guests)', () => {
  it('keeps every row of an existing SQLite database and its foreign keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-migrate-'));
    try {
      const file = join(dir, 'shop.db');
      const db = new Database(file);
      db.pragma('foreign_keys = ON');
      db.exec('CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
      for (const migration of internals.before) {
        db.exec(migration.sqlite);
        db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
      }
      db.exec(internals.rows((ms) => String(ms)).replaceAll('true', '1'));
      db.close();

      const store = await openStore({ url: file, dataDir: dir });
      try {
        await internals.expectKept(store);
      } finally {
        await store.close();
      }
      const after = new Database(file, { readonly: true });
      expect(after.pragma('foreign_key_check')).to.equal([]);
      expect(after.pragma('integrity_check', { simple: true })).to.equal('ok');
      expect((after.prepare("SELECT detached FROM (SELECT user_id IS NULL AS detached FROM orders WHERE id = 'o1')").pluck().get())).to.equal(1);
      after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every row of an existing Postgres database', async () => {
    const database = await createTestDatabase();
    try {
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      await sql.begin(async (tx) => {
        await tx.unsafe('CREATE TABLE schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
        for (const migration of internals.before) {
          await tx.unsafe(migration.postgres);
          await tx`INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`;
        }
        await tx.unsafe(internals.rows((ms) => `'${new Date(ms).toISOString()}'`));
      });
      await sql.end();

      const store = await openStore({ url: database.url, dataDir: tmpdir() });
      try {
        await internals.expectKept(store);
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  });
});
