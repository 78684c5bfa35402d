import type { Migration } from './migration.js';

/*
 * Guests: a user row with no email and no password (`kind = 'guest'`), made by `POST /auth/guest`. `touched_at` is when
 * a guest was last used (refreshed at most hourly, see server/auth/strategy.ts); housekeeping deletes guests idle past
 * the configured time through the partial index. Accounts keep `touched_at` NULL. UNIQUE (email) still holds for
 * accounts: both databases let any number of rows hold NULL there.
 *
 * SQLite cannot drop NOT NULL in place, so `users` is rebuilt by the documented procedure (sqlite.org/lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes"): new table, copy, drop, rename, with foreign keys off for the whole
 * migration (see `sqliteForeignKeysOff`) so dropping the old table cascades to no child row; the runner checks
 * `PRAGMA foreign_key_check` before it commits. No index, trigger or view names `users` besides its own constraints.
 */

const sqlite = `
CREATE TABLE users_new (
  id            TEXT    NOT NULL PRIMARY KEY,
  email         TEXT    UNIQUE,
  password_hash TEXT,
  token_version INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  kind          TEXT    NOT NULL DEFAULT 'account' CHECK (kind IN ('account', 'guest')),
  touched_at    INTEGER,
  CHECK (CASE kind WHEN 'guest' THEN email IS NULL AND password_hash IS NULL AND touched_at IS NOT NULL
                   ELSE email IS NOT NULL AND password_hash IS NOT NULL END)
) STRICT;

INSERT INTO users_new (id, email, password_hash, token_version, created_at, kind, touched_at)
SELECT id, email, password_hash, token_version, created_at, 'account', NULL FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE INDEX users_guest_touched_idx ON users (touched_at) WHERE kind = 'guest';
`;

const postgres = `
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'account' CHECK (kind IN ('account', 'guest'));
ALTER TABLE users ADD COLUMN touched_at timestamptz;
ALTER TABLE users ADD CONSTRAINT users_kind_fields_check CHECK (
  CASE kind WHEN 'guest' THEN email IS NULL AND password_hash IS NULL AND touched_at IS NOT NULL
            ELSE email IS NOT NULL AND password_hash IS NOT NULL END);

CREATE INDEX users_guest_touched_idx ON users (touched_at) WHERE kind = 'guest';
`;

export const guests: Migration = { version: 11, name: 'guests', sqlite, postgres, sqliteForeignKeysOff: true };
