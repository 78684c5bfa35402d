/**
 * One schema change, written once per dialect. Versions only ever grow; a migration that has shipped is never edited,
 * because databases that already applied it would silently differ from new ones.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements for SQLite, run with `exec` inside the migration transaction. */
  sqlite: string;
  /** Statements for Postgres, run as one simple query inside the migration transaction. */
  postgres: string;
  /**
   * SQLite: run with foreign keys off, as a table rebuild needs (dropping a parent table would otherwise cascade to its
   * children). The runner turns them off before the transaction (SQLite ignores the pragma inside one), checks every
   * reference with `PRAGMA foreign_key_check` before committing, and turns them back on.
   */
  sqliteForeignKeysOff?: boolean;
}
