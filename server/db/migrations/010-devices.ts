import type { Migration } from './migration.js';

/*
 * Devices: one row per (user, device) that sends queued changes through `POST /sync/push`, holding the highest change
 * sequence the server has applied for it. Updated in the same transaction as each change's effect, so "applied" and
 * "recorded as applied" commit together. `last_seen` orders eviction (least recently seen goes first). `refusals` keeps
 * the device's last few final refusals (a JSON array, bounded by the push batch size), so a batch resent after its
 * answer was lost gets each refusal again instead of a bare "repeat".
 *
 * The second index serves the per-user bound on Idempotency-Key records: the newest N of a scope are found, and the
 * rest deleted, through it.
 */

const sqlite = `
CREATE TABLE devices (
  user_id   TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_id TEXT    NOT NULL,
  last_seq  INTEGER NOT NULL CHECK (last_seq >= 0),
  last_seen INTEGER NOT NULL,
  refusals  TEXT    NOT NULL DEFAULT '[]' CHECK (json_type(refusals) = 'array'),
  PRIMARY KEY (user_id, device_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_keys_scope_created_idx ON idempotency_keys (scope, created_at, key);
`;

const postgres = `
CREATE TABLE devices (
  user_id   text             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_id text COLLATE "C" NOT NULL,
  last_seq  bigint           NOT NULL CHECK (last_seq >= 0),
  last_seen timestamptz      NOT NULL,
  refusals  text             NOT NULL DEFAULT '[]' CHECK (json_typeof(refusals::json) = 'array'),
  PRIMARY KEY (user_id, device_id)
);

CREATE INDEX idempotency_keys_scope_created_idx ON idempotency_keys (scope, created_at, key);
`;

export const devices: Migration = { version: 10, name: 'devices', sqlite, postgres };
