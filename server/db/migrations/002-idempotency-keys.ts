import type { Migration } from './migration.js';

/*
 * Idempotency-Key records: one row per (scope, key), written by `claim` in the same transaction as the mutation it
 * guards, and completed with the response before that transaction commits. `status`, `body` and `headers` are NULL
 * between claim and complete (which, used as documented, no other transaction ever sees); the CHECKs keep the three
 * all set or all NULL.
 * `expires_at` is indexed for the housekeeping DELETE; lookups go by the primary key.
 */

// A plain rowid table rather than WITHOUT ROWID: rows carry whole response bodies, often kilobytes, and SQLite advises
// WITHOUT ROWID only for rows well under a twentieth of a page.
const sqlite = `
CREATE TABLE idempotency_keys (
  scope       TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  fingerprint TEXT    NOT NULL,
  status      INTEGER CHECK (status BETWEEN 100 AND 599),
  body        TEXT,
  headers     TEXT    CHECK (json_type(headers) = 'object'),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (scope, key),
  CHECK ((status IS NULL) = (body IS NULL) AND (status IS NULL) = (headers IS NULL))
) STRICT;

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
`;

// Headers stay JSON text, as on SQLite: jsonb would reorder them, and nothing queries inside them.
const postgres = `
CREATE TABLE idempotency_keys (
  scope       text COLLATE "C" NOT NULL,
  key         text COLLATE "C" NOT NULL,
  fingerprint text             NOT NULL,
  status      integer          CHECK (status BETWEEN 100 AND 599),
  body        text,
  headers     text             CHECK (json_typeof(headers::json) = 'object'),
  created_at  timestamptz      NOT NULL,
  expires_at  timestamptz      NOT NULL,
  PRIMARY KEY (scope, key),
  CHECK ((status IS NULL) = (body IS NULL) AND (status IS NULL) = (headers IS NULL))
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
`;

export const idempotencyKeys: Migration = { version: 2, name: 'idempotency keys', sqlite, postgres };
