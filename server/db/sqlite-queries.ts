import type { Database } from 'better-sqlite3';

import type { IdempotencyRow as IdempotencyRowOf } from './idempotency-claim.js';
import { containsPattern } from './like.js';
import { prepareEmailSkeletons, type SqliteEmailSkeletons } from './sqlite-email-skeletons.js';
import { prepareRegistrationAttempts, type SqliteRegistrationAttempts } from './sqlite-registration-attempts.js';
import type {
  CartLineRecord,
  CartStore,
  ConsumeResult,
  IdempotentResponse,
  LoginFailureStore,
  NewRefreshToken,
  NewUser,
  PreferenceStore,
  ProductQuery,
  ProductRecord,
  ProductStore,
  RefreshTokenRecord,
  TokenStore,
  UserRecord,
  UserStore,
} from './store.js';

/** A store interface with its methods made synchronous: what better-sqlite3 does. sqlite.ts lifts them back to async. */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

export interface SqliteQueries {
  users: Synchronous<UserStore>;
  products: Synchronous<ProductStore>;
  carts: Synchronous<CartStore>;
  preferences: Synchronous<PreferenceStore>;
  tokens: Synchronous<TokenStore>;
  idempotency: SqliteIdempotencyRecords;
  loginFailures: Synchronous<LoginFailureStore>;
  registrationAttempts: SqliteRegistrationAttempts;
  emailSkeletons: SqliteEmailSkeletons;
  ping(): void;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  token_version: number;
  created_at: number;
}

interface ProductRow {
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  active: number;
}

interface CartRow {
  version: number | null;
  sku: string | null;
  name: string;
  quantity: number;
  unit_price: number;
  currency: string;
  added_at: number;
}

interface TokenRow {
  token_hash: string;
  user_id: string;
  family_id: string;
  token_version: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

interface LoginFailureCountRow {
  account: number;
  address: number;
  account_oldest: number | null;
  address_oldest: number | null;
}

type IdempotencyRow = IdempotencyRowOf<number>;

/** What a claim remembers until `complete` writes the record (see sqlite-idempotency.ts). Times in epoch ms. */
export interface PendingClaim {
  fingerprint: string;
  createdAt: number;
  expiresAt: number;
}

/** The `idempotency_keys` table, row by row; sqlite-idempotency.ts makes the `IdempotencyStore` of a transaction of it. */
export interface SqliteIdempotencyRecords {
  find(scope: string, key: string): IdempotencyRow | undefined;
  /** Writes the whole record in one statement, in the place of an expired one with the same key. */
  put(scope: string, key: string, claim: PendingClaim, response: IdempotentResponse): void;
  deleteExpired(before: Date): number;
}

const internals = {
  userColumns: 'id, email, password_hash, token_version, created_at',
  productColumns: 'sku, name, description, price, currency, active',
  tokenColumns: 'token_hash, user_id, family_id, token_version, created_at, expires_at, used_at, revoked_at',
  idempotencyColumns: 'scope, key, fingerprint, status, body, headers, created_at, expires_at',
  // `@pattern IS NULL` lets one prepared statement serve both the plain listing and the search.
  productFilter: `
    WHERE (active = 1 OR @includeInactive = 1)
      AND (@pattern IS NULL
           OR sku LIKE @pattern ESCAPE '\\'
           OR name LIKE @pattern ESCAPE '\\'
           OR description LIKE @pattern ESCAPE '\\')`,

  user(row: UserRow): UserRecord {
    return {
      id: row.id,
      email: row.email,
      passwordHash: row.password_hash,
      tokenVersion: row.token_version,
      createdAt: new Date(row.created_at),
    };
  },

  product(row: ProductRow): ProductRecord {
    return {
      sku: row.sku,
      name: row.name,
      description: row.description,
      price: row.price,
      currency: row.currency,
      active: row.active === 1,
    };
  },

  token(row: TokenRow): RefreshTokenRecord {
    return {
      tokenHash: row.token_hash,
      userId: row.user_id,
      familyId: row.family_id,
      tokenVersion: row.token_version,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
      usedAt: row.used_at === null ? null : new Date(row.used_at),
      revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    };
  },

  json(value: unknown): string {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError('a preference value must be JSON-serialisable');
    }
    return text;
  },
};

/**
 * Prepares every statement once, for the life of the connection, and returns the operations of the `Store` as
 * synchronous functions. Times are stored as integer epoch milliseconds.
 */
export function prepareSqliteQueries(db: Database): SqliteQueries {
  const statements = {
    ping: db.prepare('SELECT 1'),

    createUser: db.prepare<[string, string, string, number], UserRow>(`
      INSERT INTO users (id, email, password_hash, token_version, created_at) VALUES (?, ?, ?, 0, ?)
      ON CONFLICT (email) DO NOTHING
      RETURNING ${internals.userColumns}`),
    userById: db.prepare<[string], UserRow>(`SELECT ${internals.userColumns} FROM users WHERE id = ?`),
    userByEmail: db.prepare<[string], UserRow>(`SELECT ${internals.userColumns} FROM users WHERE email = ?`),
    bumpTokenVersion: db
      .prepare<[string], number>('UPDATE users SET token_version = token_version + 1 WHERE id = ? RETURNING token_version')
      .pluck(),
    userExists: db.prepare<[string], number>('SELECT 1 FROM users WHERE id = ?').pluck(),
    deleteUser: db.prepare<[string]>('DELETE FROM users WHERE id = ?'),

    listProducts: db.prepare<[{ includeInactive: number; pattern: string | null; limit: number; offset: number }], ProductRow>(`
      SELECT ${internals.productColumns} FROM products ${internals.productFilter}
      ORDER BY sku LIMIT @limit OFFSET @offset`),
    countProducts: db
      .prepare<[{ includeInactive: number; pattern: string | null }], number>(
        `SELECT count(*) FROM products ${internals.productFilter}`,
      )
      .pluck(),
    productBySku: db.prepare<[string], ProductRow>(`SELECT ${internals.productColumns} FROM products WHERE sku = ?`),
    upsertProduct: db.prepare<[string, string, string, number, string, number]>(`
      INSERT INTO products (sku, name, description, price, currency, active) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (sku) DO UPDATE SET
        name = excluded.name, description = excluded.description, price = excluded.price,
        currency = excluded.currency, active = excluded.active`),

    // One statement, so the version and the lines come from one snapshot even when another process writes between
    // them. The one-row subquery yields a row (with NULL lines) for a user without a cart.
    cart: db.prepare<[string], CartRow>(`
      SELECT c.version, l.sku, p.name, l.quantity, p.price AS unit_price, p.currency, l.added_at
      FROM (SELECT ? AS user_id) AS u
      LEFT JOIN carts AS c ON c.user_id = u.user_id
      LEFT JOIN cart_lines AS l ON l.user_id = u.user_id
      LEFT JOIN products AS p ON p.sku = l.sku
      ORDER BY l.added_at, l.sku`),
    ensureCart: db.prepare<[string]>('INSERT INTO carts (user_id, version) VALUES (?, 0) ON CONFLICT (user_id) DO NOTHING'),
    cartVersion: db.prepare<[string], number>('SELECT version FROM carts WHERE user_id = ?').pluck(),
    bumpCartVersion: db
      .prepare<[string], number>(`
        INSERT INTO carts (user_id, version) VALUES (?, 1)
        ON CONFLICT (user_id) DO UPDATE SET version = carts.version + 1
        RETURNING version`)
      .pluck(),
    lineQuantity: db.prepare<[string, string], number>('SELECT quantity FROM cart_lines WHERE user_id = ? AND sku = ?').pluck(),
    countLines: db.prepare<[string], number>('SELECT count(*) FROM cart_lines WHERE user_id = ?').pluck(),
    addQuantity: db
      .prepare<[string, string, number, number, number], number>(`
        INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (user_id, sku) DO UPDATE SET quantity = cart_lines.quantity + excluded.quantity
        WHERE cart_lines.quantity + excluded.quantity <= ?
        RETURNING quantity`)
      .pluck(),
    setQuantity: db.prepare<[string, string, number, number]>(`
      INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (user_id, sku) DO UPDATE SET quantity = excluded.quantity`),
    removeLine: db.prepare<[string, string]>('DELETE FROM cart_lines WHERE user_id = ? AND sku = ?'),
    clearCart: db.prepare<[string]>('DELETE FROM cart_lines WHERE user_id = ?'),

    preferences: db.prepare<[string], { key: string; value: string }>(
      'SELECT key, value FROM preferences WHERE user_id = ? ORDER BY key',
    ),
    preference: db.prepare<[string, string], string>('SELECT value FROM preferences WHERE user_id = ? AND key = ?').pluck(),
    countPreferences: db.prepare<[string], number>('SELECT count(*) FROM preferences WHERE user_id = ?').pluck(),
    setPreference: db.prepare<[string, string, string, number]>(`
      INSERT INTO preferences (user_id, key, value, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
    deletePreference: db.prepare<[string, string]>('DELETE FROM preferences WHERE user_id = ? AND key = ?'),

    insertToken: db.prepare<[string, string, string, number, number, number]>(`
      INSERT INTO refresh_tokens (token_hash, user_id, family_id, token_version, created_at, expires_at)
      VALUES (?, ?, ?, ?, ?, ?)`),
    consumeToken: db.prepare<[number, string, number], TokenRow>(`
      UPDATE refresh_tokens SET used_at = ?
      WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
      RETURNING ${internals.tokenColumns}`),
    tokenByHash: db.prepare<[string], TokenRow>(`SELECT ${internals.tokenColumns} FROM refresh_tokens WHERE token_hash = ?`),
    revokeToken: db.prepare<[number, string, string]>(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ? AND user_id = ? AND revoked_at IS NULL',
    ),
    revokeFamily: db.prepare<[number, string, number]>(`
      UPDATE refresh_tokens SET revoked_at = ?
      WHERE family_id = ? AND revoked_at IS NULL AND used_at IS NULL AND expires_at > ?`),
    deleteExpiredTokens: db.prepare<[number]>('DELETE FROM refresh_tokens WHERE expires_at < ?'),

    idempotencyRecord: db.prepare<[string, string], IdempotencyRow>(
      `SELECT ${internals.idempotencyColumns} FROM idempotency_keys WHERE scope = ? AND key = ?`,
    ),
    putIdempotencyRecord: db.prepare<[string, string, string, number, string, string, number, number]>(`
      INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, headers, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (scope, key) DO UPDATE SET
        fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body, headers = excluded.headers,
        created_at = excluded.created_at, expires_at = excluded.expires_at`),
    deleteExpiredIdempotencyKeys: db.prepare<[number]>('DELETE FROM idempotency_keys WHERE expires_at < ?'),

    recordLoginFailure: db.prepare<{ account: string; address: string; now: number; expiredBefore: number }>(`
      INSERT INTO login_failures (account, address, window_start, failures) VALUES (@account, @address, @now, 1)
      ON CONFLICT (account, address) DO UPDATE SET
        window_start = CASE WHEN login_failures.window_start <= @expiredBefore THEN @now ELSE login_failures.window_start END,
        failures = CASE WHEN login_failures.window_start <= @expiredBefore THEN 1 ELSE login_failures.failures + 1 END`),
    releaseLoginFailure: db.prepare<[string, string]>(
      'UPDATE login_failures SET failures = failures - 1 WHERE account = ? AND address = ? AND failures > 0',
    ),
    countLoginFailures: db.prepare<{ account: string; address: string; since: number }, LoginFailureCountRow>(`
      SELECT
        coalesce(sum(failures) FILTER (WHERE account = @account), 0) AS account,
        coalesce(sum(failures) FILTER (WHERE address = @address), 0) AS address,
        min(window_start) FILTER (WHERE account = @account AND failures > 0) AS account_oldest,
        min(window_start) FILTER (WHERE address = @address AND failures > 0) AS address_oldest
      FROM login_failures
      WHERE (account = @account OR address = @address) AND window_start > @since`),
    clearLoginFailures: db.prepare<[string, string]>('DELETE FROM login_failures WHERE account = ? AND address = ?'),
    deleteExpiredLoginFailures: db.prepare<[number]>('DELETE FROM login_failures WHERE window_start < ?'),
  };

  // A nested call (inside a `tx` store) becomes a savepoint; a top-level one takes the write lock up front.
  const upsertProducts = db.transaction((products: readonly ProductRecord[]) => {
    for (const p of products) {
      statements.upsertProduct.run(p.sku, p.name, p.description, p.price, p.currency, p.active ? 1 : 0);
    }
  });

  const users: Synchronous<UserStore> = {
    create(user: NewUser) {
      const row = statements.createUser.get(user.id, user.email.toLowerCase(), user.passwordHash, user.createdAt.getTime());
      return row === undefined ? null : internals.user(row);
    },
    findById(id) {
      const row = statements.userById.get(id);
      return row === undefined ? null : internals.user(row);
    },
    findByEmail(email) {
      const row = statements.userByEmail.get(email.toLowerCase());
      return row === undefined ? null : internals.user(row);
    },
    bumpTokenVersion(id) {
      return statements.bumpTokenVersion.get(id) ?? null;
    },
    // BEGIN IMMEDIATE already holds the database's only write lock, so there is no row to lock: only check it exists.
    lock(id) {
      return statements.userExists.get(id) !== undefined;
    },
    delete(id) {
      return statements.deleteUser.run(id).changes > 0;
    },
  };

  const products: Synchronous<ProductStore> = {
    list(query: ProductQuery) {
      const filter = {
        includeInactive: query.includeInactive ? 1 : 0,
        pattern: query.q === undefined || query.q === '' ? null : containsPattern(query.q),
      };
      const items = statements.listProducts.all({ ...filter, limit: query.limit, offset: query.offset });
      return { items: items.map(internals.product), total: statements.countProducts.get(filter) ?? 0 };
    },
    get(sku) {
      const row = statements.productBySku.get(sku);
      return row === undefined ? null : internals.product(row);
    },
    upsert(list) {
      upsertProducts.immediate(list);
    },
  };

  const carts: Synchronous<CartStore> = {
    get(userId) {
      const rows = statements.cart.all(userId);
      const lines: CartLineRecord[] = [];
      for (const row of rows) {
        if (row.sku !== null) {
          lines.push({
            sku: row.sku,
            name: row.name,
            quantity: row.quantity,
            unitPrice: row.unit_price,
            currency: row.currency,
            addedAt: new Date(row.added_at),
          });
        }
      }
      return { version: rows[0]?.version ?? 0, lines };
    },
    // BEGIN IMMEDIATE already holds the database's only write lock, so there is no row to lock: read the version, and
    // create the row only for a user's first mutation.
    lock(userId) {
      const version = statements.cartVersion.get(userId);
      if (version !== undefined) {
        return version;
      }
      statements.ensureCart.run(userId);
      return 0;
    },
    bumpVersion(userId) {
      // An upsert with RETURNING yields its row whether it inserted or updated.
      return statements.bumpCartVersion.get(userId) as number;
    },
    lineQuantity(userId, sku) {
      return statements.lineQuantity.get(userId, sku) ?? null;
    },
    countLines(userId) {
      return statements.countLines.get(userId) ?? 0;
    },
    addQuantity(userId, sku, quantity, maxQuantity, now) {
      // The upsert's WHERE only guards the update; a new line must be checked before it is inserted.
      if (quantity > maxQuantity) {
        return null;
      }
      return statements.addQuantity.get(userId, sku, quantity, now.getTime(), maxQuantity) ?? null;
    },
    setQuantity(userId, sku, quantity, now) {
      statements.setQuantity.run(userId, sku, quantity, now.getTime());
    },
    removeLine(userId, sku) {
      return statements.removeLine.run(userId, sku).changes > 0;
    },
    clear(userId) {
      return statements.clearCart.run(userId).changes;
    },
  };

  const preferences: Synchronous<PreferenceStore> = {
    list(userId) {
      return Object.fromEntries(
        statements.preferences.all(userId).map((row) => [row.key, JSON.parse(row.value) as unknown]),
      );
    },
    get(userId, key) {
      const value = statements.preference.get(userId, key);
      return value === undefined ? undefined : (JSON.parse(value) as unknown);
    },
    count(userId) {
      return statements.countPreferences.get(userId) ?? 0;
    },
    set(userId, key, value, now) {
      statements.setPreference.run(userId, key, internals.json(value), now.getTime());
    },
    delete(userId, key) {
      return statements.deletePreference.run(userId, key).changes > 0;
    },
  };

  const tokens: Synchronous<TokenStore> = {
    insert(token: NewRefreshToken) {
      statements.insertToken.run(
        token.tokenHash,
        token.userId,
        token.familyId,
        token.tokenVersion,
        token.createdAt.getTime(),
        token.expiresAt.getTime(),
      );
    },
    consume(tokenHash, now): ConsumeResult {
      const consumed = statements.consumeToken.get(now.getTime(), tokenHash, now.getTime());
      if (consumed !== undefined) {
        return { status: 'consumed', token: internals.token(consumed) };
      }
      const row = statements.tokenByHash.get(tokenHash);
      if (row !== undefined && row.used_at !== null) {
        return { status: 'reused', token: internals.token(row) };
      }
      return { status: 'invalid' };
    },
    revoke(tokenHash, userId, now) {
      return statements.revokeToken.run(now.getTime(), tokenHash, userId).changes > 0;
    },
    revokeFamily(familyId, now) {
      return statements.revokeFamily.run(now.getTime(), familyId, now.getTime()).changes;
    },
    deleteExpired(before) {
      return statements.deleteExpiredTokens.run(before.getTime()).changes;
    },
  };

  const idempotency: SqliteIdempotencyRecords = {
    find(scope, key) {
      return statements.idempotencyRecord.get(scope, key);
    },
    put(scope, key, claim, response) {
      statements.putIdempotencyRecord.run(
        scope,
        key,
        claim.fingerprint,
        response.status,
        response.body,
        JSON.stringify(response.headers),
        claim.createdAt,
        claim.expiresAt,
      );
    },
    deleteExpired(before) {
      return statements.deleteExpiredIdempotencyKeys.run(before.getTime()).changes;
    },
  };

  const loginFailures: Synchronous<LoginFailureStore> = {
    record(account, address, now, expiredBefore) {
      statements.recordLoginFailure.run({ account, address, now: now.getTime(), expiredBefore: expiredBefore.getTime() });
    },
    release(account, address) {
      statements.releaseLoginFailure.run(account, address);
    },
    count(account, address, since) {
      // An aggregate without GROUP BY always yields one row.
      const row = statements.countLoginFailures.get({ account, address, since: since.getTime() }) as LoginFailureCountRow;
      return {
        account: row.account,
        address: row.address,
        accountOldest: row.account_oldest === null ? null : new Date(row.account_oldest),
        addressOldest: row.address_oldest === null ? null : new Date(row.address_oldest),
      };
    },
    clear(account, address) {
      return statements.clearLoginFailures.run(account, address).changes > 0;
    },
    deleteExpired(before) {
      return statements.deleteExpiredLoginFailures.run(before.getTime()).changes;
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
    registrationAttempts: prepareRegistrationAttempts(db),
    emailSkeletons: prepareEmailSkeletons(db),
    ping() {
      statements.ping.get();
    },
  };
}
