import { join } from 'node:path';

/** Where the store lives, decided from `DATABASE_URL` alone. */
export type DatabaseTarget =
  | { dialect: 'postgres'; url: string }
  /** `filename` is `:memory:` or a file path, relative to the working directory unless absolute. */
  | { dialect: 'sqlite'; filename: string; isDefault: boolean };

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

const internals = {
  defaultFile: 'shop.db',
  memory: ':memory:',

  /** The part of a `sqlite:` URL after the scheme, as a filename. */
  sqliteFilename(url: string, rest: string): string {
    if (rest === internals.memory) {
      return internals.memory;
    }
    if (rest.startsWith('//')) {
      // sqlite:///abs/path.db has an empty authority before the path; sqlite://name.db would silently mean a host.
      const path = rest.slice(2);
      if (!path.startsWith('/')) {
        throw new DatabaseUrlError(
          `${url}: a sqlite:// URL takes an absolute path (sqlite:///var/lib/shop.db); write sqlite:relative/path.db for a relative one`,
        );
      }
      return path;
    }
    if (rest === '') {
      throw new DatabaseUrlError(`${url}: the sqlite: URL names no file`);
    }
    return rest;
  },
};

/**
 * Reads `DATABASE_URL`:
 * - `postgres://…` or `postgresql://…` → Postgres;
 * - `sqlite:relative/path.db`, `sqlite:///abs/path.db`, `sqlite::memory:`, a plain path or `:memory:` → SQLite;
 * - unset or blank → the SQLite file `<dataDir>/shop.db`.
 * Any other `scheme://` is refused rather than taken for a file name.
 */
export function resolveDatabaseTarget(url: string | undefined, dataDir: string): DatabaseTarget {
  const value = url?.trim() ?? '';
  if (value === '') {
    return { dialect: 'sqlite', filename: join(dataDir, internals.defaultFile), isDefault: true };
  }
  if (/^postgres(?:ql)?:\/\//i.test(value)) {
    return { dialect: 'postgres', url: value };
  }
  if (/^sqlite:/i.test(value)) {
    return { dialect: 'sqlite', filename: internals.sqliteFilename(value, value.slice('sqlite:'.length)), isDefault: false };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) {
    throw new DatabaseUrlError(
      `DATABASE_URL uses "${scheme[1]}:", which is not supported: use postgres://…, sqlite:…, a file path or :memory:`,
    );
  }
  return { dialect: 'sqlite', filename: value, isDefault: false };
}
