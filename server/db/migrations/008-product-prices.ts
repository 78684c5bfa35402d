import type { Migration } from './migration.js';

/*
 * Prices per currency: each product has a price list, one row per (sku, currency), instead of one price column. The
 * old price becomes the first entry of each list. The catalogue's default currency must be on every list; the import
 * and the store's upsert keep that (a CHECK cannot see other rows).
 * Lookups go by the primary key: a product's prices, or a cart's lines joined to theirs, are range scans.
 */

const sqlite = `
CREATE TABLE product_prices (
  sku      TEXT    NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
  currency TEXT    NOT NULL CHECK (length(currency) = 3),
  amount   INTEGER NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (sku, currency)
) STRICT, WITHOUT ROWID;

INSERT INTO product_prices (sku, currency, amount) SELECT sku, currency, price FROM products;

ALTER TABLE products DROP COLUMN price;
ALTER TABLE products DROP COLUMN currency;
`;

const postgres = `
CREATE TABLE product_prices (
  sku      text COLLATE "C" NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
  currency char(3)          NOT NULL,
  amount   integer          NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (sku, currency)
);

INSERT INTO product_prices (sku, currency, amount) SELECT sku, currency, price FROM products;

ALTER TABLE products DROP COLUMN price, DROP COLUMN currency;
`;

export const productPrices: Migration = { version: 8, name: 'product prices', sqlite, postgres };
