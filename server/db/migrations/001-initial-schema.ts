import type { Migration } from './migration.js';

/*
 * Conventions both dialects keep:
 * - Emails are stored lower-cased (the store lower-cases them), so a plain UNIQUE constraint compares them
 *   case-insensitively and `ON CONFLICT (email)` can name it.
 * - Every per-user table leads its primary key or an index with user_id: the cascade from users and the per-request
 *   lookups (cart lines, preferences) are index range scans.
 * - SQLite keeps times as integer epoch milliseconds (sortable, exact for a JS Date); Postgres uses timestamptz.
 * - On Postgres, sku and preference keys use the "C" collation so "ordered by sku/key" means byte order, as on SQLite,
 *   whatever locale the database was created with.
 */

const sqlite = `
CREATE TABLE users (
  id            TEXT    NOT NULL PRIMARY KEY,
  email         TEXT    NOT NULL UNIQUE,
  password_hash TEXT    NOT NULL,
  token_version INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE products (
  sku         TEXT    NOT NULL PRIMARY KEY,
  name        TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  price       INTEGER NOT NULL CHECK (price >= 0),
  currency    TEXT    NOT NULL CHECK (length(currency) = 3),
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE carts (
  user_id TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0)
) STRICT, WITHOUT ROWID;

-- WITHOUT ROWID clusters a cart's lines together under the (user_id, sku) key: reading a cart is one range scan.
CREATE TABLE cart_lines (
  user_id  TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sku      TEXT    NOT NULL REFERENCES products (sku),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  added_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, sku)
) STRICT, WITHOUT ROWID;

-- Lets the products foreign key be checked without scanning every cart when a product row is deleted or re-keyed.
CREATE INDEX cart_lines_sku_idx ON cart_lines (sku);

CREATE TABLE preferences (
  user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key        TEXT    NOT NULL,
  value      TEXT    NOT NULL CHECK (json_valid(value)),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE refresh_tokens (
  token_hash    TEXT    NOT NULL PRIMARY KEY,
  user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id     TEXT    NOT NULL,
  token_version INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER,
  revoked_at    INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
`;

const postgres = `
CREATE TABLE users (
  id            text        NOT NULL PRIMARY KEY,
  email         text        NOT NULL UNIQUE,
  password_hash text        NOT NULL,
  token_version integer     NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL
);

CREATE TABLE products (
  sku         text COLLATE "C" NOT NULL PRIMARY KEY,
  name        text             NOT NULL,
  description text             NOT NULL DEFAULT '',
  price       integer          NOT NULL CHECK (price >= 0),
  currency    char(3)          NOT NULL,
  active      boolean          NOT NULL DEFAULT true
);

CREATE TABLE carts (
  user_id text    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  version integer NOT NULL DEFAULT 0 CHECK (version >= 0)
);

CREATE TABLE cart_lines (
  user_id  text             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sku      text COLLATE "C" NOT NULL REFERENCES products (sku),
  quantity integer          NOT NULL CHECK (quantity > 0),
  added_at timestamptz      NOT NULL,
  PRIMARY KEY (user_id, sku)
);

-- Postgres does not index the referencing side of a foreign key; without this, deleting a product scans every cart.
CREATE INDEX cart_lines_sku_idx ON cart_lines (sku);

CREATE TABLE preferences (
  user_id    text             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key        text COLLATE "C" NOT NULL,
  value      text             NOT NULL CHECK (value::json IS NOT NULL),
  updated_at timestamptz      NOT NULL,
  PRIMARY KEY (user_id, key)
);

CREATE TABLE refresh_tokens (
  token_hash    text        NOT NULL PRIMARY KEY,
  user_id       text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id     text        NOT NULL,
  token_version integer     NOT NULL,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  revoked_at    timestamptz
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
`;

export const initialSchema: Migration = { version: 1, name: 'initial schema', sqlite, postgres };
