import type { Database } from 'better-sqlite3';

import { pendingMigrations } from './migrations/index.js';

const internals = {
  createTable: `
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER NOT NULL PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`,

  appliedVersions(db: Database): Set<number> {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (table === undefined) {
      return new Set();
    }
    return new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  },
};

/**
 * Brings the schema up to date and returns the versions it applied. Safe when several processes open one file at
 * once: the check is repeated inside `BEGIN IMMEDIATE`, which holds SQLite's single write lock, so only one of them
 * applies a migration and the others find it applied. DDL is transactional in SQLite, so a failed migration leaves
 * nothing behind.
 */
export function migrateSqlite(db: Database): number[] {
  // Cheap check without the write lock: the common start-up finds nothing to do.
  if (pendingMigrations(internals.appliedVersions(db)).length === 0) {
    return [];
  }

  // Read before the lock, so possibly more than will run: foreign keys off for nothing is harmless, as nothing else runs.
  const foreignKeysOff = pendingMigrations(internals.appliedVersions(db)).some((migration) => migration.sqliteForeignKeysOff === true);
  if (foreignKeysOff) {
    db.pragma('foreign_keys = OFF');
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(internals.createTable);
    const pending = pendingMigrations(internals.appliedVersions(db));
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending) {
      db.exec(migration.sqlite);
      record.run(migration.version, migration.name, Date.now());
    }
    if (foreignKeysOff) {
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new Error(`migration left ${broken.length} broken foreign key references: ${JSON.stringify(broken.slice(0, 3))}`);
      }
    }
    db.exec('COMMIT');
    return pending.map((migration) => migration.version);
  } catch (error) {
    if (db.inTransaction) {
      db.exec('ROLLBACK');
    }
    throw error;
  } finally {
    if (foreignKeysOff) {
      db.pragma('foreign_keys = ON');
    }
  }
}
