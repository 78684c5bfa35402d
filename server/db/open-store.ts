import { resolveDatabaseTarget } from './database-url.js';
import { openPostgresStore } from './postgres.js';
import { preparePrivateDatabaseFile } from './private-files.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';
import type { TransactionCheckOptions } from './transaction-scope.js';

export interface OpenStoreOptions extends TransactionCheckOptions {
  /** `DATABASE_URL`; see {@link resolveDatabaseTarget} for the forms it takes. */
  url?: string | undefined;
  /** Holds the default SQLite file, `<dataDir>/shop.db`, when `url` is unset. A SQLite file's directory is created (0700) if missing, the file 0600. */
  dataDir: string;
  /** SQLite only: the largest the database file may grow to (`SHOP_SQLITE_MAX_BYTES`); unbounded when unset. */
  sqliteMaxBytes?: number | undefined;
  /** Told of trouble that costs speed, not correctness (SQLite: a failed background checkpoint; Postgres: connections replaced after a failover). */
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * Opens the store `url` names and applies pending migrations before returning, so a server never sees an old schema.
 * Safe to call from several instances at once on one database. Rejects with `StoreUnavailableError` when Postgres
 * cannot be reached.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const target = resolveDatabaseTarget(options.url, options.dataDir);
  if (target.dialect === 'postgres') {
    return openPostgresStore(target.url, { checkTransactionUse: options.checkTransactionUse, onWarning: options.onWarning });
  }
  if (target.filename !== ':memory:') {
    // `DATABASE_URL=./var/shop.db` on a fresh machine should just work, as the default `./data/shop.db` does.
    await preparePrivateDatabaseFile(target.filename);
  }
  return openSqliteStore(target.filename, { checkTransactionUse: options.checkTransactionUse, onWarning: options.onWarning, maxBytes: options.sqliteMaxBytes });
}
