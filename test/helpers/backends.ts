import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStore } from '../../server/db/open-store.js';
import { seedDemoCatalog } from '../../server/db/seed.js';
import type { Store } from '../../server/db/store.js';
import { createTestDatabase } from './postgres.js';

/** A database the HTTP suites run against. Every suite runs once per backend: SQLite and a real Postgres. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated and seeded database. */
  open(): Promise<OpenBackend>;
}

export interface OpenBackend {
  store: Store;
  /** Opens a second, independent store over the same database — what another server instance would have. */
  openAnother(): Promise<Store>;
  dispose(): Promise<void>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    // A file rather than :memory:, so `openAnother` really shares the database the way two processes would.
    const dir = mkdtempSync(join(tmpdir(), 'shop-test-'));
    const url = join(dir, 'shop.db');
    const store = await openStore({ url, dataDir: dir });
    await seedDemoCatalog(store);
    const others: Store[] = [];
    return {
      store,
      async openAnother() {
        const other = await openStore({ url, dataDir: dir });
        others.push(other);
        return other;
      },
      async dispose() {
        await Promise.all([store, ...others].map((s) => s.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: 'postgres',
  async open() {
    const database = await createTestDatabase();
    const store = await openStore({ url: database.url, dataDir: tmpdir() });
    await seedDemoCatalog(store);
    const others: Store[] = [];
    return {
      store,
      async openAnother() {
        const other = await openStore({ url: database.url, dataDir: tmpdir() });
        others.push(other);
        return other;
      },
      async dispose() {
        await Promise.all([store, ...others].map((s) => s.close()));
        await database.drop();
      },
    };
  },
};

export const backends: readonly Backend[] = [sqlite, postgres];
