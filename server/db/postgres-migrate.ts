import type { Sql } from 'postgres';

import { pendingMigrations } from './migrations/index.js';

const internals = {
  /** Arbitrary but fixed: every instance of this application must contend for the same advisory lock. 'shop' in ASCII. */
  lockKey: 0x73686f70,
};

/**
 * Brings the schema up to date and returns the versions it applied. Safe when several instances start at once: all
 * of it runs in one transaction that first takes a transaction-scoped advisory lock, so the instances apply
 * migrations one after another and later ones find them applied. DDL is transactional in Postgres, so a failed
 * migration leaves nothing behind and the lock is released with the transaction.
 */
export async function migratePostgres(sql: Sql): Promise<number[]> {
  const applied = await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${internals.lockKey}::bigint)`;
    await tx`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer     NOT NULL PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
    const rows = await tx<{ version: number }[]>`SELECT version FROM schema_migrations`;
    const pending = pendingMigrations(new Set(rows.map((row) => row.version)));
    for (const migration of pending) {
      // No parameters, so this goes over the simple query protocol, which accepts several statements at once.
      await tx.unsafe(migration.postgres);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`;
    }
    return pending.map((migration) => migration.version);
  });
  return applied as number[];
}
