import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import postgres, { type Sql } from 'postgres';

import { openStore } from '../../../server/db/open-store.js';
import { seedDemoCatalog } from '../../../server/db/seed.js';
import type { Store } from '../../../server/db/store.js';
import { createTestDatabase } from '../../helpers/postgres.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/**
 * A fresh, migrated and seeded database that the adversarial suites can also look into directly, without going
 * through the `Store` they are trying to break.
 */
export interface InspectableDatabase {
  kind: DatabaseKind;
  /** What `openStore` and a server's `DATABASE_URL` take: a file path or a postgres:// URL. */
  url: string;
  /** A store over the database, for a server built in this process. */
  store: Store;
  /** A second, independent store over the same database: what another server instance would have. */
  openAnother(): Promise<Store>;
  /** A digest of every row users own, so "nothing changed" is one comparison. */
  fingerprint(): Promise<string>;
  /** Rows of one table, sorted, for exact checks and readable failure messages. */
  rows(table: StateTable): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

/**
 * The tables that hold what users own or what the server promised them. Listed rather than discovered, so bookkeeping
 * another feature may add (a login throttle, say) does not count as "state changed" by a rejected request.
 */
export const STATE_TABLES = ['users', 'products', 'carts', 'cart_lines', 'preferences', 'refresh_tokens', 'idempotency_keys', 'orders'] as const;
export type StateTable = (typeof STATE_TABLES)[number];

const internals = {
  sortRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
    const keyed = rows.map((row) => [JSON.stringify(row, internals.jsonable), row] as const);
    keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return keyed.map(([, row]) => row);
  },

  /** Postgres hands back bigints and Dates; both must digest the same way every time. */
  jsonable(_key: string, value: unknown): unknown {
    return typeof value === 'bigint' ? value.toString() : value;
  },

  digest(tables: Record<string, Record<string, unknown>[]>): string {
    return createHash('sha256').update(JSON.stringify(tables, internals.jsonable)).digest('hex');
  },

  async build(
    kind: DatabaseKind,
    url: string,
    dataDir: string,
    rows: InspectableDatabase['rows'],
    cleanup: () => Promise<void>,
  ): Promise<InspectableDatabase> {
    const store = await openStore({ url, dataDir });
    await seedDemoCatalog(store);
    const others: Store[] = [];
    return {
      kind,
      url,
      store,
      async openAnother() {
        const other = await openStore({ url, dataDir });
        others.push(other);
        return other;
      },
      rows,
      async fingerprint() {
        const tables: Record<string, Record<string, unknown>[]> = {};
        for (const table of STATE_TABLES) {
          tables[table] = await rows(table);
        }
        return internals.digest(tables);
      },
      async dispose() {
        await Promise.allSettled([store, ...others].map((s) => s.close()));
        await cleanup();
      },
    };
  },
};

/** A SQLite file in a temp directory, read through a connection of its own (WAL lets it see every commit). */
async function openSqlite(): Promise<InspectableDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'shop-adversarial-'));
  const url = join(dir, 'shop.db');
  let reader: Database.Database | undefined;
  const statements = new Map<string, Database.Statement>();
  const rows = async (table: StateTable) => {
    // Opened lazily: the file and its schema exist once the first store has migrated it.
    reader ??= new Database(url, { readonly: true, fileMustExist: true });
    let statement = statements.get(table);
    if (!statement) {
      statement = reader.prepare(`SELECT * FROM ${table}`);
      statements.set(table, statement);
    }
    return internals.sortRows(statement.all() as Record<string, unknown>[]);
  };
  return internals.build('sqlite', url, dir, rows, async () => {
    reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** A database of its own on the test Postgres, read through a connection of its own. */
async function openPostgres(): Promise<InspectableDatabase> {
  const database = await createTestDatabase();
  const sql: Sql = postgres(database.url, { max: 1, onnotice: () => {}, fetch_types: false });
  const rows = async (table: StateTable) => internals.sortRows([...(await sql.unsafe(`SELECT * FROM ${table}`))] as Record<string, unknown>[]);
  return internals.build('postgres', database.url, tmpdir(), rows, async () => {
    await sql.end({ timeout: 1 });
    await database.drop();
  });
}

export function openDatabase(kind: DatabaseKind): Promise<InspectableDatabase> {
  return kind === 'sqlite' ? openSqlite() : openPostgres();
}
