import type { Migration } from './migration.js';

/*
 * Stock and orders.
 * - `products.stock`: NULL means the shop does not count this product (unlimited). The CHECK is the last line of the
 *   no-overselling guarantee: the checkout's conditional UPDATE never takes more than is there, and if a bug ever tried,
 *   the statement would fail rather than store a negative count.
 * - `orders`: kept for the shop's books. `user_id` is set to NULL when the account is deleted (see personal-data.ts),
 *   so the row outlives the user without naming them. The lines are an immutable snapshot (sku, name, quantity, price
 *   as charged), stored as one JSON array: an order is always read whole and never changes.
 * - The index serves "my orders, newest first" as a range scan.
 */

const sqlite = `
ALTER TABLE products ADD COLUMN stock INTEGER CHECK (stock IS NULL OR stock >= 0);

CREATE TABLE orders (
  id         TEXT    NOT NULL PRIMARY KEY,
  user_id    TEXT    REFERENCES users (id) ON DELETE SET NULL,
  state      TEXT    NOT NULL CHECK (state IN ('placed')),
  lines      TEXT    NOT NULL CHECK (json_type(lines) = 'array'),
  subtotal   INTEGER NOT NULL CHECK (subtotal >= 0),
  item_count INTEGER NOT NULL CHECK (item_count > 0),
  currency   TEXT    NOT NULL CHECK (length(currency) = 3),
  placed_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX orders_user_idx ON orders (user_id, placed_at, id);
`;

const postgres = `
ALTER TABLE products ADD COLUMN stock integer CHECK (stock IS NULL OR stock >= 0);

CREATE TABLE orders (
  id         text COLLATE "C" NOT NULL PRIMARY KEY,
  user_id    text             REFERENCES users (id) ON DELETE SET NULL,
  state      text             NOT NULL CHECK (state IN ('placed')),
  lines      text             NOT NULL CHECK (json_typeof(lines::json) = 'array'),
  subtotal   integer          NOT NULL CHECK (subtotal >= 0),
  item_count integer          NOT NULL CHECK (item_count > 0),
  currency   char(3)          NOT NULL,
  placed_at  timestamptz      NOT NULL
);

CREATE INDEX orders_user_idx ON orders (user_id, placed_at, id);
`;

export const orders: Migration = { version: 7, name: 'stock and orders', sqlite, postgres };
