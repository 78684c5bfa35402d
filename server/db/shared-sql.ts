/**
 * The statements SQLite and Postgres run as written, defined once. `$name` marks a parameter: SQLite binds it by name
 * as it stands; Postgres gets it as `$1…` (see {@link positional}). Counts are cast to integer, which SQLite's already
 * are and Postgres's bigint is not. The statements whose dialects really differ — row locks, the catalogue search and
 * bulk upsert, the idempotency claim — stay in sqlite-queries.ts and postgres-queries.ts.
 *
 * Times are epoch milliseconds on SQLite and timestamptz on Postgres: each side binds and reads its own.
 */
const internals = {
  userColumns: 'id, email, password_hash, token_version, created_at, kind, touched_at',
  tokenColumns: 'token_hash, user_id, family_id, token_version, created_at, expires_at, used_at, revoked_at',
};

export const sharedSql = {
  ping: 'SELECT 1',

  createUser: `
    INSERT INTO users (id, email, password_hash, token_version, created_at) VALUES ($id, $email, $password_hash, 0, $created_at)
    ON CONFLICT (email) DO NOTHING
    RETURNING ${internals.userColumns}`,
  createGuest: `
    INSERT INTO users (id, email, password_hash, token_version, created_at, kind, touched_at)
    VALUES ($id, NULL, NULL, 0, $created_at, 'guest', $created_at)
    RETURNING ${internals.userColumns}`,
  touchGuest: "UPDATE users SET touched_at = $now WHERE id = $id AND kind = 'guest' AND touched_at < $stale_before",
  // The records of requests guests made go with them: their scope names the user, not a foreign key.
  deleteIdleGuestRequests: `
    DELETE FROM idempotency_keys WHERE scope IN (SELECT 'user:' || id FROM users WHERE kind = 'guest' AND touched_at < $before)`,
  deleteIdleGuests: "DELETE FROM users WHERE kind = 'guest' AND touched_at < $before",
  userById: `SELECT ${internals.userColumns} FROM users WHERE id = $id`,
  userByEmail: `SELECT ${internals.userColumns} FROM users WHERE email = $email`,
  bumpTokenVersion: 'UPDATE users SET token_version = token_version + 1 WHERE id = $id RETURNING token_version',
  deleteUser: 'DELETE FROM users WHERE id = $id',

  ensureCart: 'INSERT INTO carts (user_id, version) VALUES ($user_id, 0) ON CONFLICT (user_id) DO NOTHING',
  bumpCartVersion: `
    INSERT INTO carts (user_id, version) VALUES ($user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET version = carts.version + 1
    RETURNING version`,
  // Scalar subqueries without FROM: always one row, whatever exists.
  lineState: `
    SELECT (SELECT quantity FROM cart_lines WHERE user_id = $user_id AND sku = $sku) AS quantity,
           (SELECT CAST(count(*) AS integer) FROM cart_lines WHERE user_id = $user_id) AS line_count,
           (SELECT active FROM products WHERE sku = $sku) AS active,
           (SELECT stock FROM products WHERE sku = $sku) AS stock`,
  countLines: 'SELECT CAST(count(*) AS integer) AS n FROM cart_lines WHERE user_id = $user_id',
  setQuantity: `
    INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES ($user_id, $sku, $quantity, $now)
    ON CONFLICT (user_id, sku) DO UPDATE SET quantity = excluded.quantity`,
  removeLine: 'DELETE FROM cart_lines WHERE user_id = $user_id AND sku = $sku',
  clearCart: 'DELETE FROM cart_lines WHERE user_id = $user_id',

  preferences: 'SELECT key, value FROM preferences WHERE user_id = $user_id ORDER BY key',
  preference: 'SELECT value FROM preferences WHERE user_id = $user_id AND key = $key',
  countPreferences: 'SELECT CAST(count(*) AS integer) AS n FROM preferences WHERE user_id = $user_id',
  setPreference: `
    INSERT INTO preferences (user_id, key, value, updated_at) VALUES ($user_id, $key, $value, $now)
    ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  deletePreference: 'DELETE FROM preferences WHERE user_id = $user_id AND key = $key',

  insertToken: `
    INSERT INTO refresh_tokens (token_hash, user_id, family_id, token_version, created_at, expires_at)
    VALUES ($token_hash, $user_id, $family_id, $token_version, $created_at, $expires_at)`,
  // Concurrent calls queue on the row; each re-checks the WHERE against the committed row, so exactly one wins.
  consumeToken: `
    UPDATE refresh_tokens SET used_at = $now
    WHERE token_hash = $token_hash AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $now
    RETURNING ${internals.tokenColumns}`,
  tokenByHash: `SELECT ${internals.tokenColumns} FROM refresh_tokens WHERE token_hash = $token_hash`,
  revokeToken: 'UPDATE refresh_tokens SET revoked_at = $now WHERE token_hash = $token_hash AND user_id = $user_id AND revoked_at IS NULL',
  revokeFamily: `
    UPDATE refresh_tokens SET revoked_at = $now
    WHERE family_id = $family_id AND revoked_at IS NULL AND used_at IS NULL AND expires_at > $now`,
  deleteExpiredTokens: 'DELETE FROM refresh_tokens WHERE expires_at < $before',

  idempotencyRecord: `
    SELECT scope, key, fingerprint, status, body, headers, created_at, expires_at
    FROM idempotency_keys WHERE scope = $scope AND key = $key`,
  deleteExpiredIdempotencyKeys: 'DELETE FROM idempotency_keys WHERE expires_at < $before',

  // Concurrent failures of one pair queue on its row, and each adds to the value the previous one committed.
  recordLoginFailure: `
    INSERT INTO login_failures (account, address, window_start, failures) VALUES ($account, $address, $now, 1)
    ON CONFLICT (account, address) DO UPDATE SET
      window_start = CASE WHEN login_failures.window_start <= $expired_before THEN excluded.window_start
                          ELSE login_failures.window_start END,
      failures = CASE WHEN login_failures.window_start <= $expired_before THEN 1 ELSE login_failures.failures + 1 END`,
  releaseLoginFailure: 'UPDATE login_failures SET failures = failures - 1 WHERE account = $account AND address = $address AND failures > 0',
  countLoginFailures: `
    SELECT
      CAST(coalesce(sum(failures) FILTER (WHERE account = $account), 0) AS integer) AS account,
      CAST(coalesce(sum(failures) FILTER (WHERE address = $address), 0) AS integer) AS address,
      min(window_start) FILTER (WHERE account = $account AND failures > 0) AS account_oldest,
      min(window_start) FILTER (WHERE address = $address AND failures > 0) AS address_oldest
    FROM login_failures
    WHERE (account = $account OR address = $address) AND window_start > $since`,
  clearLoginFailures: 'DELETE FROM login_failures WHERE account = $account AND address = $address',
  deleteExpiredLoginFailures: 'DELETE FROM login_failures WHERE window_start < $before',
  // The (keep+1)th newest record and everything older go; row values make ties on created_at exact (by key).
  trimIdempotencyKeys: `
    DELETE FROM idempotency_keys
    WHERE scope = $scope AND (created_at, key) <= (
      SELECT created_at, key FROM idempotency_keys WHERE scope = $scope ORDER BY created_at DESC, key DESC LIMIT 1 OFFSET $keep)`,

  // An UPDATE takes the row's write lock on Postgres; on SQLite the transaction already holds the database's.
  lockDevice: 'UPDATE devices SET last_seen = $now WHERE user_id = $user_id AND device_id = $device_id RETURNING last_seq, refusals',
  registerDevice: `
    INSERT INTO devices (user_id, device_id, last_seq, last_seen) VALUES ($user_id, $device_id, 0, $now)
    ON CONFLICT (user_id, device_id) DO NOTHING
    RETURNING device_id`,
  advanceDevice: 'UPDATE devices SET last_seq = $seq WHERE user_id = $user_id AND device_id = $device_id AND last_seq < $seq',
  setDeviceRefusals: 'UPDATE devices SET refusals = $refusals WHERE user_id = $user_id AND device_id = $device_id',
  evictDevices: `
    DELETE FROM devices
    WHERE user_id = $user_id AND device_id NOT IN (
      SELECT device_id FROM devices WHERE user_id = $user_id ORDER BY last_seen DESC, device_id LIMIT $keep)`,
  removeDevice: 'DELETE FROM devices WHERE user_id = $user_id AND device_id = $device_id',
  devices: 'SELECT device_id, last_seq, last_seen FROM devices WHERE user_id = $user_id ORDER BY last_seen DESC, device_id',
} as const;

export type SharedStatement = keyof typeof sharedSql;

/** The dialect's price list of the product `sku` names, as one JSON object ordered by currency (NULL when none). */
export type PricesExpression = (sku: string) => string;

/**
 * The cart reads, given the dialect's JSON price-list expression (the one part the dialects spell differently). One
 * statement, one row per line, so the version, the currency preference and the lines with their prices come from one
 * snapshot even when another instance writes between them, in one round trip. The preference join matches at most one
 * row, so it multiplies nothing.
 */
export function cartStatements(prices: PricesExpression): { cart: string; userWithCart: string } {
  const cartColumns = `c.version, pr.value AS currency_preference, l.sku, p.name, l.quantity, l.added_at, p.active, p.stock, ${prices('l.sku')} AS prices`;
  const cartJoins = `
    LEFT JOIN carts AS c ON c.user_id = u.user_id
    LEFT JOIN preferences AS pr ON pr.user_id = u.user_id AND pr.key = 'currency'
    LEFT JOIN cart_lines AS l ON l.user_id = u.user_id
    LEFT JOIN products AS p ON p.sku = l.sku`;
  const userColumns = internals.userColumns.split(', ').map((column) => `u.${column}`).join(', ');
  return {
    // The one-row subquery yields a row (with NULL lines) for a user without a cart.
    cart: `
      SELECT ${cartColumns}
      FROM (SELECT CAST($user_id AS text) AS user_id) AS u ${cartJoins}
      ORDER BY l.added_at, l.sku`,
    // The user row and their cart together: what an authenticated GET /cart needs, token version check included, in
    // one statement. No row: no such user.
    userWithCart: `
      SELECT ${userColumns}, ${cartColumns}
      FROM (SELECT ${userColumns}, u.id AS user_id FROM users AS u WHERE u.id = $user_id) AS u ${cartJoins}
      ORDER BY l.added_at, l.sku`,
  };
}

/** A statement in Postgres's form: `$name` numbered in order of first use, and the names in that order. */
export interface PositionalStatement {
  text: string;
  names: readonly string[];
}

/** Rewrites `$name` parameters as `$1…`; a name used twice is one parameter. */
export function positional(text: string): PositionalStatement {
  const names: string[] = [];
  const rewritten = text.replace(/\$([a-z_][a-z0-9_]*)/g, (_, name: string) => {
    let index = names.indexOf(name);
    if (index === -1) {
      index = names.push(name) - 1;
    }
    return `$${index + 1}`;
  });
  return { text: rewritten, names };
}
