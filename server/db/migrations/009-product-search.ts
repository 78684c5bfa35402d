import type { Migration } from './migration.js';

/*
 * Full-text search over the catalogue with each database's own engine, indexed the same way on both so a query finds
 * the same products: text is lower-cased and split at every character that is not a letter or a digit (a SKU's
 * hyphens included), accents kept. SKU and name are one tier (SQLite: their columns; Postgres: weight A), the
 * description another (weight B), so a search can rank name matches first. See search-terms.ts for the queries.
 *
 * SQLite: an FTS5 table kept by triggers. products is WITHOUT ROWID, so each product gets an integer search_id as the
 * FTS row's rowid; triggers assign it and keep the index in step with every insert, upsert, update and delete.
 * Postgres: a generated tsvector column with a GIN index.
 */

const sqlite = `
ALTER TABLE products ADD COLUMN search_id INTEGER;
UPDATE products SET search_id = numbered.n
  FROM (SELECT sku, row_number() OVER (ORDER BY sku) AS n FROM products) AS numbered WHERE numbered.sku = products.sku;
CREATE UNIQUE INDEX products_search_id_idx ON products (search_id);

CREATE VIRTUAL TABLE product_search USING fts5(
  sku, name, description,
  tokenize = "unicode61 remove_diacritics 0",
  prefix = '2 3'
);
INSERT INTO product_search (rowid, sku, name, description) SELECT search_id, sku, name, description FROM products;

CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN
  UPDATE products SET search_id = (SELECT coalesce(max(search_id), 0) + 1 FROM products) WHERE sku = new.sku;
  INSERT INTO product_search (rowid, sku, name, description)
    SELECT search_id, sku, name, description FROM products WHERE sku = new.sku;
END;

CREATE TRIGGER products_search_update AFTER UPDATE OF sku, name, description ON products BEGIN
  DELETE FROM product_search WHERE rowid = old.search_id;
  INSERT INTO product_search (rowid, sku, name, description) VALUES (new.search_id, new.sku, new.name, new.description);
END;

CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN
  DELETE FROM product_search WHERE rowid = old.search_id;
END;
`;

// Split as SQLite's unicode61 does: every run of ASCII punctuation and spaces becomes a space, so Postgres's parser sees
// only plain words (no hyphenated compounds, numbers with points or e-mail addresses of its own). Spelt out rather
// than [:alnum:], whose meaning follows the database's locale: in the C locale it would split "giclée" and "m²".
const words = (column: string) => `regexp_replace(lower(${column}), '[\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]+', ' ', 'g')`;

const postgres = `
ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple', ${words('sku')} || ' ' || ${words('name')}), 'A') ||
  setweight(to_tsvector('simple', ${words('description')}), 'B')
) STORED;

CREATE INDEX products_search_idx ON products USING gin (search);
`;

export const productSearch: Migration = { version: 9, name: 'product search', sqlite, postgres };
