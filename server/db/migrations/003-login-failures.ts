import type { Migration } from './migration.js';

/*
 * Failed logins, counted per (account, client address) pair so that a successful login clears only its own address's
 * failures, never those an attacker made from elsewhere. `account` is the SHA-256 of the normalised email, so the table
 * holds no addresses people typed (some type a password into the email field). Each pair keeps a fixed window: the
 * first failure after the previous window ended starts a new one. The limit on an account adds up its pairs; the limit
 * on a client address adds up the pairs of that address, hence the second index.
 * `window_start` is also what the housekeeping DELETE goes by.
 */

const sqlite = `
CREATE TABLE login_failures (
  account      TEXT    NOT NULL,
  address      TEXT    NOT NULL,
  window_start INTEGER NOT NULL,
  failures     INTEGER NOT NULL CHECK (failures >= 0),
  PRIMARY KEY (account, address)
) STRICT, WITHOUT ROWID;

CREATE INDEX login_failures_address_idx ON login_failures (address, window_start);
CREATE INDEX login_failures_window_idx ON login_failures (window_start);
`;

const postgres = `
CREATE TABLE login_failures (
  account      text COLLATE "C" NOT NULL,
  address      text COLLATE "C" NOT NULL,
  window_start timestamptz      NOT NULL,
  failures     integer          NOT NULL CHECK (failures >= 0),
  PRIMARY KEY (account, address)
);

CREATE INDEX login_failures_address_idx ON login_failures (address, window_start);
CREATE INDEX login_failures_window_idx ON login_failures (window_start);
`;

export const loginFailures: Migration = { version: 3, name: 'login failures', sqlite, postgres };
