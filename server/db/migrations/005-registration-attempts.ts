import type { Migration } from './migration.js';

/*
 * Registrations per client address (an IPv6 client by its /64), in a fixed window that starts with the address's
 * first attempt, so every instance counts against the same limit. `window_start` is what the housekeeping DELETE goes by.
 */

const sqlite = `
CREATE TABLE registration_attempts (
  address      TEXT    NOT NULL PRIMARY KEY,
  window_start INTEGER NOT NULL,
  attempts     INTEGER NOT NULL CHECK (attempts >= 0)
) STRICT, WITHOUT ROWID;

CREATE INDEX registration_attempts_window_idx ON registration_attempts (window_start);
`;

const postgres = `
CREATE TABLE registration_attempts (
  address      text COLLATE "C" NOT NULL PRIMARY KEY,
  window_start timestamptz      NOT NULL,
  attempts     integer          NOT NULL CHECK (attempts >= 0)
);

CREATE INDEX registration_attempts_window_idx ON registration_attempts (window_start);
`;

export const registrationAttempts: Migration = { version: 5, name: 'registration attempts', sqlite, postgres };
