/**
 * Whether a database error says there is no room to write: SQLite's SQLITE_FULL (a full disk, or the size cap), a
 * Postgres `disk_full` (SQLSTATE 53100), or the operating system's ENOSPC. Reads still work; writes will not until
 * space is freed.
 */
export function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC';
}
