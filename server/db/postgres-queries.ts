import type { ISql } from 'postgres';

import { claimResultFromRow, type IdempotencyRow as IdempotencyRowOf } from './idempotency-claim.js';
import { containsPattern } from './like.js';
import { isLockTimeout } from './postgres-errors.js';
import { createEmailSkeletons } from './postgres-email-skeletons.js';
import { createRegistrationAttempts } from './postgres-registration-attempts.js';
import type {
  CartLineRecord,
  CartStore,
  IdempotencyStore,
  LoginFailureStore,
  RegistrationAttemptStore,
  EmailSkeletonStore,
  PreferenceStore,
  ProductRecord,
  ProductStore,
  RefreshTokenRecord,
  TokenStore,
  UserRecord,
  UserStore,
} from './store.js';

/** The pool or one transaction's connection: every query below runs on either. */
export type Queryable = ISql;

export interface PostgresQueries {
  users: UserStore;
  products: ProductStore;
  carts: CartStore;
  preferences: PreferenceStore;
  tokens: TokenStore;
  idempotency: IdempotencyStore;
  loginFailures: LoginFailureStore;
  registrationAttempts: RegistrationAttemptStore;
  emailSkeletons: EmailSkeletonStore;
  ping(): Promise<void>;
}

export interface PostgresQueryOptions {
  /** How long `idempotency.claim` waits for another transaction holding the same key, in milliseconds (> 0). */
  claimWaitMs: number;
  /**
   * Told when a claim gave up waiting and answered `in_flight`. Its INSERT failed, so Postgres has aborted the
   * transaction: every further statement in it fails, and a COMMIT would silently roll back.
   */
  onClaimTimeout?(): void;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  token_version: number;
  created_at: Date;
}

interface CartRow {
  version: number | null;
  sku: string | null;
  name: string;
  quantity: number;
  unit_price: number;
  currency: string;
  added_at: Date;
}

interface TokenRow {
  token_hash: string;
  user_id: string;
  family_id: string;
  token_version: number;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

interface LoginFailureCountRow {
  account: number;
  address: number;
  account_oldest: Date | null;
  address_oldest: Date | null;
}

type IdempotencyRow = IdempotencyRowOf<Date>;

const internals = {
  user(row: UserRow): UserRecord {
    return {
      id: row.id,
      email: row.email,
      passwordHash: row.password_hash,
      tokenVersion: row.token_version,
      createdAt: row.created_at,
    };
  },

  token(row: TokenRow): RefreshTokenRecord {
    return {
      tokenHash: row.token_hash,
      userId: row.user_id,
      familyId: row.family_id,
      tokenVersion: row.token_version,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      revokedAt: row.revoked_at,
    };
  },

  json(value: unknown): string {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError('a preference value must be JSON-serialisable');
    }
    return text;
  },

  /**
   * One plain row per sku, the last one winning as if the rows had been upserted one after another: a single upsert
   * statement may not touch one row twice.
   */
  lastPerSku(products: readonly ProductRecord[]) {
    const bySku = new Map(products.map((p) => [p.sku, p]));
    return [...bySku.values()].map((p) => ({
      sku: p.sku,
      name: p.name,
      description: p.description,
      price: p.price,
      currency: p.currency,
      active: p.active,
    }));
  },
};

/**
 * The operations of the `Store` as Postgres queries on `q`. Queries are tagged templates, so every value is a bound
 * parameter, and the `postgres` package prepares each statement once per connection. Counts are cast to integer
 * because Postgres returns bigint, which arrives as a string.
 */
export function createPostgresQueries(q: Queryable, options: PostgresQueryOptions): PostgresQueries {
  const users: UserStore = {
    async create(user) {
      const [row] = await q<UserRow[]>`
        INSERT INTO users (id, email, password_hash, token_version, created_at)
        VALUES (${user.id}, ${user.email.toLowerCase()}, ${user.passwordHash}, 0, ${user.createdAt})
        ON CONFLICT (email) DO NOTHING
        RETURNING id, email, password_hash, token_version, created_at`;
      return row === undefined ? null : internals.user(row);
    },
    async findById(id) {
      const [row] = await q<UserRow[]>`
        SELECT id, email, password_hash, token_version, created_at FROM users WHERE id = ${id}`;
      return row === undefined ? null : internals.user(row);
    },
    async findByEmail(email) {
      const [row] = await q<UserRow[]>`
        SELECT id, email, password_hash, token_version, created_at FROM users WHERE email = ${email.toLowerCase()}`;
      return row === undefined ? null : internals.user(row);
    },
    async bumpTokenVersion(id) {
      const [row] = await q<{ token_version: number }[]>`
        UPDATE users SET token_version = token_version + 1 WHERE id = ${id} RETURNING token_version`;
      return row?.token_version ?? null;
    },
    async lock(id) {
      const rows = await q`SELECT 1 FROM users WHERE id = ${id} FOR UPDATE`;
      return rows.length > 0;
    },
    async delete(id) {
      const result = await q`DELETE FROM users WHERE id = ${id}`;
      return result.count > 0;
    },
  };

  const products: ProductStore = {
    async list(query) {
      const includeInactive = query.includeInactive === true;
      const pattern = query.q === undefined || query.q === '' ? null : containsPattern(query.q);
      // ESCAPE names the backslash explicitly (it is also Postgres's default) so the escaping in containsPattern holds.
      const where = () => q`
        WHERE (active OR ${includeInactive}::boolean)
          AND (${pattern}::text IS NULL
               OR sku ILIKE ${pattern} ESCAPE '\\'
               OR name ILIKE ${pattern} ESCAPE '\\'
               OR description ILIKE ${pattern} ESCAPE '\\')`;
      const rows = await q<ProductRecord[]>`
        SELECT sku, name, description, price, currency, active FROM products ${where()}
        ORDER BY sku LIMIT ${query.limit} OFFSET ${query.offset}`;
      const [count] = await q<{ total: number }[]>`SELECT count(*)::integer AS total FROM products ${where()}`;
      return { items: rows.map((row) => ({ ...row })), total: count?.total ?? 0 };
    },
    async get(sku) {
      const [row] = await q<ProductRecord[]>`
        SELECT sku, name, description, price, currency, active FROM products WHERE sku = ${sku}`;
      return row === undefined ? null : { ...row };
    },
    async upsert(list) {
      if (list.length === 0) {
        return;
      }
      // One statement for any number of rows, so it is atomic without a transaction of its own.
      const rows = q.json(internals.lastPerSku(list));
      await q`
        INSERT INTO products (sku, name, description, price, currency, active)
        SELECT sku, name, description, price, currency, active
        FROM jsonb_to_recordset(${rows})
          AS p (sku text, name text, description text, price integer, currency text, active boolean)
        ON CONFLICT (sku) DO UPDATE SET
          name = excluded.name, description = excluded.description, price = excluded.price,
          currency = excluded.currency, active = excluded.active`;
    },
  };

  const carts: CartStore = {
    async get(userId) {
      // One statement, so the version and the lines come from one snapshot. The one-row subquery yields a row (with
      // NULL lines) for a user without a cart.
      const rows = await q<CartRow[]>`
        SELECT c.version, l.sku, p.name, l.quantity, p.price AS unit_price, p.currency, l.added_at
        FROM (SELECT ${userId}::text AS user_id) AS u
        LEFT JOIN carts AS c ON c.user_id = u.user_id
        LEFT JOIN cart_lines AS l ON l.user_id = u.user_id
        LEFT JOIN products AS p ON p.sku = l.sku
        ORDER BY l.added_at, l.sku`;
      const lines: CartLineRecord[] = [];
      for (const row of rows) {
        if (row.sku !== null) {
          lines.push({
            sku: row.sku,
            name: row.name,
            quantity: row.quantity,
            unitPrice: row.unit_price,
            currency: row.currency,
            addedAt: row.added_at,
          });
        }
      }
      return { version: rows[0]?.version ?? 0, lines };
    },
    async lock(userId) {
      // A concurrent first insert of the same cart waits for ours to commit, then does nothing; FOR UPDATE then holds
      // the row until our transaction ends, queueing every other mutation of this cart behind it.
      await q`INSERT INTO carts (user_id, version) VALUES (${userId}, 0) ON CONFLICT (user_id) DO NOTHING`;
      const [row] = await q<{ version: number }[]>`SELECT version FROM carts WHERE user_id = ${userId} FOR UPDATE`;
      return row?.version ?? 0;
    },
    async bumpVersion(userId) {
      const [row] = await q<{ version: number }[]>`
        INSERT INTO carts (user_id, version) VALUES (${userId}, 1)
        ON CONFLICT (user_id) DO UPDATE SET version = carts.version + 1
        RETURNING version`;
      return row?.version ?? 1;
    },
    async lineQuantity(userId, sku) {
      const [row] = await q<{ quantity: number }[]>`
        SELECT quantity FROM cart_lines WHERE user_id = ${userId} AND sku = ${sku}`;
      return row?.quantity ?? null;
    },
    async countLines(userId) {
      const [row] = await q<{ n: number }[]>`SELECT count(*)::integer AS n FROM cart_lines WHERE user_id = ${userId}`;
      return row?.n ?? 0;
    },
    async addQuantity(userId, sku, quantity, maxQuantity, now) {
      // The upsert's WHERE only guards the update; a new line must be checked before it is inserted.
      if (quantity > maxQuantity) {
        return null;
      }
      const [row] = await q<{ quantity: number }[]>`
        INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES (${userId}, ${sku}, ${quantity}, ${now})
        ON CONFLICT (user_id, sku) DO UPDATE SET quantity = cart_lines.quantity + excluded.quantity
        WHERE cart_lines.quantity + excluded.quantity <= ${maxQuantity}
        RETURNING quantity`;
      return row?.quantity ?? null;
    },
    async setQuantity(userId, sku, quantity, now) {
      await q`
        INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES (${userId}, ${sku}, ${quantity}, ${now})
        ON CONFLICT (user_id, sku) DO UPDATE SET quantity = excluded.quantity`;
    },
    async removeLine(userId, sku) {
      const result = await q`DELETE FROM cart_lines WHERE user_id = ${userId} AND sku = ${sku}`;
      return result.count > 0;
    },
    async clear(userId) {
      const result = await q`DELETE FROM cart_lines WHERE user_id = ${userId}`;
      return result.count;
    },
  };

  const preferences: PreferenceStore = {
    async list(userId) {
      const rows = await q<{ key: string; value: string }[]>`
        SELECT key, value FROM preferences WHERE user_id = ${userId} ORDER BY key`;
      return Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
    },
    async get(userId, key) {
      const [row] = await q<{ value: string }[]>`
        SELECT value FROM preferences WHERE user_id = ${userId} AND key = ${key}`;
      return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
    },
    async count(userId) {
      const [row] = await q<{ n: number }[]>`SELECT count(*)::integer AS n FROM preferences WHERE user_id = ${userId}`;
      return row?.n ?? 0;
    },
    async set(userId, key, value, now) {
      await q`
        INSERT INTO preferences (user_id, key, value, updated_at) VALUES (${userId}, ${key}, ${internals.json(value)}, ${now})
        ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;
    },
    async delete(userId, key) {
      const result = await q`DELETE FROM preferences WHERE user_id = ${userId} AND key = ${key}`;
      return result.count > 0;
    },
  };

  const tokens: TokenStore = {
    async insert(token) {
      await q`
        INSERT INTO refresh_tokens (token_hash, user_id, family_id, token_version, created_at, expires_at)
        VALUES (${token.tokenHash}, ${token.userId}, ${token.familyId}, ${token.tokenVersion}, ${token.createdAt},
                ${token.expiresAt})`;
    },
    async consume(tokenHash, now) {
      // Concurrent calls queue on the row lock; each re-checks the WHERE against the committed row, so one wins.
      const [consumed] = await q<TokenRow[]>`
        UPDATE refresh_tokens SET used_at = ${now}
        WHERE token_hash = ${tokenHash} AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ${now}
        RETURNING token_hash, user_id, family_id, token_version, created_at, expires_at, used_at, revoked_at`;
      if (consumed !== undefined) {
        return { status: 'consumed', token: internals.token(consumed) };
      }
      const [row] = await q<TokenRow[]>`
        SELECT token_hash, user_id, family_id, token_version, created_at, expires_at, used_at, revoked_at
        FROM refresh_tokens WHERE token_hash = ${tokenHash}`;
      if (row !== undefined && row.used_at !== null) {
        return { status: 'reused', token: internals.token(row) };
      }
      return { status: 'invalid' };
    },
    async revoke(tokenHash, userId, now) {
      const result = await q`
        UPDATE refresh_tokens SET revoked_at = ${now}
        WHERE token_hash = ${tokenHash} AND user_id = ${userId} AND revoked_at IS NULL`;
      return result.count > 0;
    },
    async revokeFamily(familyId, now) {
      const result = await q`
        UPDATE refresh_tokens SET revoked_at = ${now}
        WHERE family_id = ${familyId} AND revoked_at IS NULL AND used_at IS NULL AND expires_at > ${now}`;
      return result.count;
    },
    async deleteExpired(before) {
      const result = await q`DELETE FROM refresh_tokens WHERE expires_at < ${before}`;
      return result.count;
    },
  };

  const idempotency: IdempotencyStore = {
    async claim(scope, key, fingerprint, now, expiresAt) {
      // A claim of a key that another transaction has claimed but not yet committed waits for that transaction to end.
      // lock_timeout bounds the wait, for the INSERT alone: the old value is read in the same statement (the CTE is
      // materialised, so it is read before set_config runs) and put back after the INSERT, so the locks the rest of
      // the transaction takes wait as long as they always did.
      const [saved] = await q<{ previous: string }[]>`
        WITH saved AS MATERIALIZED (SELECT current_setting('lock_timeout') AS previous)
        SELECT previous, set_config('lock_timeout', ${String(options.claimWaitMs)}, true) FROM saved`;
      let claimed: readonly unknown[];
      try {
        // Inserts a new key, or takes over one whose record has expired. A live record is left alone and nothing is
        // returned, but its row stays locked until this transaction ends: concurrent replays of one key queue briefly.
        claimed = await q`
          INSERT INTO idempotency_keys (scope, key, fingerprint, created_at, expires_at)
          VALUES (${scope}, ${key}, ${fingerprint}, ${now}, ${expiresAt})
          ON CONFLICT (scope, key) DO UPDATE SET
            fingerprint = excluded.fingerprint, status = NULL, body = NULL, headers = NULL,
            created_at = excluded.created_at, expires_at = excluded.expires_at
          WHERE idempotency_keys.expires_at <= excluded.created_at
          RETURNING 1`;
      } catch (error) {
        // The holder is still running: an expected outcome, not a database failure. The setting needs no restoring,
        // as the failed statement aborted the transaction.
        if (isLockTimeout(error)) {
          options.onClaimTimeout?.();
          return { status: 'in_flight' };
        }
        throw error;
      }
      await q`SELECT set_config('lock_timeout', ${saved?.previous ?? '0'}, true)`;
      if (claimed.length > 0) {
        return { status: 'claimed' };
      }
      // READ COMMITTED: this statement's snapshot includes the record the INSERT waited for, once it was committed.
      const [row] = await q<IdempotencyRow[]>`
        SELECT scope, key, fingerprint, status, body, headers, created_at, expires_at
        FROM idempotency_keys WHERE scope = ${scope} AND key = ${key}`;
      if (row === undefined) {
        throw new Error('idempotency.claim() found neither a free key nor its record');
      }
      return claimResultFromRow(row, fingerprint, (time) => time);
    },
    async complete(scope, key, response) {
      const result = await q`
        UPDATE idempotency_keys
        SET status = ${response.status}, body = ${response.body}, headers = ${JSON.stringify(response.headers)}
        WHERE scope = ${scope} AND key = ${key} AND status IS NULL`;
      if (result.count === 0) {
        throw new Error('idempotency.complete() found no claimed key to complete; claim it in the same transaction first');
      }
    },
    async deleteExpired(before) {
      const result = await q`DELETE FROM idempotency_keys WHERE expires_at < ${before}`;
      return result.count;
    },
  };

  const loginFailures: LoginFailureStore = {
    async record(account, address, now, expiredBefore) {
      // Concurrent failures of one pair queue on its row lock, and each adds to the value the previous one committed.
      await q`
        INSERT INTO login_failures (account, address, window_start, failures) VALUES (${account}, ${address}, ${now}, 1)
        ON CONFLICT (account, address) DO UPDATE SET
          window_start = CASE WHEN login_failures.window_start <= ${expiredBefore} THEN excluded.window_start
                              ELSE login_failures.window_start END,
          failures = CASE WHEN login_failures.window_start <= ${expiredBefore} THEN 1 ELSE login_failures.failures + 1 END`;
    },
    async release(account, address) {
      await q`
        UPDATE login_failures SET failures = failures - 1
        WHERE account = ${account} AND address = ${address} AND failures > 0`;
    },
    async count(account, address, since) {
      const [row] = await q<LoginFailureCountRow[]>`
        SELECT
          coalesce(sum(failures) FILTER (WHERE account = ${account}), 0)::integer AS account,
          coalesce(sum(failures) FILTER (WHERE address = ${address}), 0)::integer AS address,
          min(window_start) FILTER (WHERE account = ${account} AND failures > 0) AS account_oldest,
          min(window_start) FILTER (WHERE address = ${address} AND failures > 0) AS address_oldest
        FROM login_failures
        WHERE (account = ${account} OR address = ${address}) AND window_start > ${since}`;
      return {
        account: row?.account ?? 0,
        address: row?.address ?? 0,
        accountOldest: row?.account_oldest ?? null,
        addressOldest: row?.address_oldest ?? null,
      };
    },
    async clear(account, address) {
      const result = await q`DELETE FROM login_failures WHERE account = ${account} AND address = ${address}`;
      return result.count > 0;
    },
    async deleteExpired(before) {
      const result = await q`DELETE FROM login_failures WHERE window_start < ${before}`;
      return result.count;
    },
  };

  return {
    users,
    products,
    carts,
    preferences,
    tokens,
    idempotency,
    loginFailures,
    registrationAttempts: createRegistrationAttempts(q),
    emailSkeletons: createEmailSkeletons(q),
    async ping() {
      await q`SELECT 1`;
    },
  };
}
