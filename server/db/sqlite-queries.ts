import type { Database } from 'better-sqlite3';

import type { IdempotencyRow as IdempotencyRowOf } from './idempotency-claim.js';
import {
  cartRecord,
  type CartRow,
  type UserCartRow,
  userWithCart,
  loginFailureCounts,
  type LoginFailureCountRow,
  preferenceRecords,
  preferenceText,
  priceList,
  tokenRecord,
  type TokenRow,
  accountRecord,
  guestRecord,
  userRecord,
  type UserRow,
} from './rows.js';
import { fts5Query, searchTerms } from './search-terms.js';
import { cartStatements, type PricesExpression, sharedSql } from './shared-sql.js';
import { prepareEmailSkeletons, type SqliteEmailSkeletons } from './sqlite-email-skeletons.js';
import { prepareRegistrationAttempts, type SqliteRegistrationAttempts } from './sqlite-registration-attempts.js';
import type {
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
  TokenStore,
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

interface ProductRow {
  sku: string;
  name: string;
  description: string;
  /** JSON text: currency → amount. */
  prices: string;
  active: number;
  stock: number | null;
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
  trim(scope: string, keep: number): number;
}

// json_group_object over the primary key's range: the price list as one JSON object, ordered by currency.
const prices: PricesExpression = (sku) => `(SELECT json_group_object(currency, amount) FROM product_prices AS pp WHERE pp.sku = ${sku})`;

const internals = {
  date: (time: number): Date => new Date(time),
  productColumns: `sku, name, description, active, stock, ${prices('products.sku')} AS prices`,
  cartStatements: cartStatements(prices),
  // The products whose FTS row matches every word; see search-terms.ts and migration 009.
  searchFilter: `
    WHERE search_id IN (SELECT rowid FROM product_search WHERE product_search MATCH @match)
      AND (active = 1 OR @includeInactive = 1)`,

  product(row: ProductRow): ProductRecord {
    return {
      sku: row.sku,
      name: row.name,
      description: row.description,
      prices: priceList(row.prices),
      active: row.active === 1,
      stock: row.stock,
    };
  },

};

/**
 * Prepares every statement once, for the life of the connection (the shared ones from shared-sql.ts as written), and
 * returns the operations of the `Store` as synchronous functions. Times are stored as integer epoch milliseconds.
 */
export function prepareSqliteQueries(db: Database): SqliteQueries {
  const statements = {
    ping: db.prepare(sharedSql.ping),

    createUser: db.prepare<[{ id: string; email: string; password_hash: string; created_at: number }], UserRow<number>>(sharedSql.createUser),
    createGuest: db.prepare<[{ id: string; created_at: number }], UserRow<number>>(sharedSql.createGuest),
    touchGuest: db.prepare<[{ id: string; now: number; stale_before: number }]>(sharedSql.touchGuest),
    deleteIdleGuestRequests: db.prepare<[{ before: number }]>(sharedSql.deleteIdleGuestRequests),
    deleteIdleGuests: db.prepare<[{ before: number }]>(sharedSql.deleteIdleGuests),
    userById: db.prepare<[{ id: string }], UserRow<number>>(sharedSql.userById),
    userByEmail: db.prepare<[{ email: string }], UserRow<number>>(sharedSql.userByEmail),
    bumpTokenVersion: db.prepare<[{ id: string }], number>(sharedSql.bumpTokenVersion).pluck(),
    userExists: db.prepare<[string], number>('SELECT 1 FROM users WHERE id = ?').pluck(),
    deleteUser: db.prepare<[{ id: string }]>(sharedSql.deleteUser),

    listProducts: db.prepare<[{ includeInactive: number; limit: number; offset: number }], ProductRow>(`
      SELECT ${internals.productColumns} FROM products WHERE active = 1 OR @includeInactive = 1
      ORDER BY sku LIMIT @limit OFFSET @offset`),
    countProducts: db.prepare<[{ includeInactive: number }], number>('SELECT count(*) FROM products WHERE active = 1 OR @includeInactive = 1').pluck(),
    // SKU and name matches first (every word in one of them), then by sku: the same order Postgres gives.
    searchProducts: db.prepare<[{ includeInactive: number; match: string; names: string; limit: number; offset: number }], ProductRow>(`
      SELECT ${internals.productColumns} FROM products ${internals.searchFilter}
      ORDER BY CASE WHEN search_id IN (SELECT rowid FROM product_search WHERE product_search MATCH @names) THEN 0 ELSE 1 END, sku
      LIMIT @limit OFFSET @offset`),
    countSearch: db.prepare<[{ includeInactive: number; match: string }], number>(`SELECT count(*) FROM products ${internals.searchFilter}`).pluck(),
    productBySku: db.prepare<[{ sku: string }], ProductRow>(`SELECT ${internals.productColumns} FROM products WHERE sku = @sku`),
    productsBySku: db.prepare<[{ skus: string }], ProductRow>(
      `SELECT ${internals.productColumns} FROM products WHERE sku IN (SELECT value FROM json_each(@skus)) ORDER BY sku`,
    ),
    upsertProduct: db.prepare<[string, string, string, number, number | null]>(`
      INSERT INTO products (sku, name, description, active, stock) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (sku) DO UPDATE SET
        name = excluded.name, description = excluded.description, active = excluded.active, stock = excluded.stock`),
    deletePrices: db.prepare<[string]>('DELETE FROM product_prices WHERE sku = ?'),
    insertPrice: db.prepare<[string, string, number]>('INSERT INTO product_prices (sku, currency, amount) VALUES (?, ?, ?)'),

    cart: db.prepare<[{ user_id: string }], CartRow<number>>(internals.cartStatements.cart),
    userWithCart: db.prepare<[{ user_id: string }], UserCartRow<number>>(internals.cartStatements.userWithCart),
    ensureCart: db.prepare<[{ user_id: string }]>(sharedSql.ensureCart),
    cartVersion: db.prepare<[string], number>('SELECT version FROM carts WHERE user_id = ?').pluck(),
    bumpCartVersion: db.prepare<[{ user_id: string }], number>(sharedSql.bumpCartVersion).pluck(),
    lineState: db.prepare<[{ user_id: string; sku: string }], { quantity: number | null; line_count: number; active: number | null; stock: number | null }>(
      sharedSql.lineState,
    ),
    countLines: db.prepare<[{ user_id: string }], number>(sharedSql.countLines).pluck(),
    setQuantity: db.prepare<[{ user_id: string; sku: string; quantity: number; now: number }]>(sharedSql.setQuantity),
    removeLine: db.prepare<[{ user_id: string; sku: string }]>(sharedSql.removeLine),
    clearCart: db.prepare<[{ user_id: string }]>(sharedSql.clearCart),

    preferences: db.prepare<[{ user_id: string }], { key: string; value: string }>(sharedSql.preferences),
    preference: db.prepare<[{ user_id: string; key: string }], string>(sharedSql.preference).pluck(),
    countPreferences: db.prepare<[{ user_id: string }], number>(sharedSql.countPreferences).pluck(),
    setPreference: db.prepare<[{ user_id: string; key: string; value: string; now: number }]>(sharedSql.setPreference),
    deletePreference: db.prepare<[{ user_id: string; key: string }]>(sharedSql.deletePreference),

    insertToken: db.prepare<
      [{ token_hash: string; user_id: string; family_id: string; token_version: number; created_at: number; expires_at: number }]
    >(sharedSql.insertToken),
    consumeToken: db.prepare<[{ now: number; token_hash: string }], TokenRow<number>>(sharedSql.consumeToken),
    tokenByHash: db.prepare<[{ token_hash: string }], TokenRow<number>>(sharedSql.tokenByHash),
    revokeToken: db.prepare<[{ now: number; token_hash: string; user_id: string }]>(sharedSql.revokeToken),
    revokeFamily: db.prepare<[{ now: number; family_id: string }]>(sharedSql.revokeFamily),
    deleteExpiredTokens: db.prepare<[{ before: number }]>(sharedSql.deleteExpiredTokens),

    idempotencyRecord: db.prepare<[{ scope: string; key: string }], IdempotencyRow>(sharedSql.idempotencyRecord),
    putIdempotencyRecord: db.prepare<[string, string, string, number, string, string, number, number]>(`
      INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, headers, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (scope, key) DO UPDATE SET
        fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body, headers = excluded.headers,
        created_at = excluded.created_at, expires_at = excluded.expires_at`),
    deleteExpiredIdempotencyKeys: db.prepare<[{ before: number }]>(sharedSql.deleteExpiredIdempotencyKeys),
    trimIdempotencyKeys: db.prepare<[{ scope: string; keep: number }]>(sharedSql.trimIdempotencyKeys),

    recordLoginFailure: db.prepare<[{ account: string; address: string; now: number; expired_before: number }]>(sharedSql.recordLoginFailure),
    releaseLoginFailure: db.prepare<[{ account: string; address: string }]>(sharedSql.releaseLoginFailure),
    countLoginFailures: db.prepare<[{ account: string; address: string; since: number }], LoginFailureCountRow<number>>(sharedSql.countLoginFailures),
    clearLoginFailures: db.prepare<[{ account: string; address: string }]>(sharedSql.clearLoginFailures),
    deleteExpiredLoginFailures: db.prepare<[{ before: number }]>(sharedSql.deleteExpiredLoginFailures),
  };

  // A nested call (inside a `tx` store) becomes a savepoint; a top-level one takes the write lock up front.
  const upsertProducts = db.transaction((products: readonly ProductRecord[]) => {
    for (const p of products) {
      statements.upsertProduct.run(p.sku, p.name, p.description, p.active ? 1 : 0, p.stock ?? null);
      statements.deletePrices.run(p.sku);
      for (const [currency, amount] of Object.entries(p.prices)) {
        statements.insertPrice.run(p.sku, currency, amount);
      }
    }
  });

  const users: Synchronous<UserStore> = {
    create(user: NewUser) {
      const row = statements.createUser.get({ id: user.id, email: user.email.toLowerCase(), password_hash: user.passwordHash, created_at: user.createdAt.getTime() });
      return row === undefined ? null : accountRecord(row, internals.date);
    },
    createGuest(id, createdAt) {
      return guestRecord(statements.createGuest.get({ id, created_at: createdAt.getTime() }) as UserRow<number>, internals.date);
    },
    touchGuest(id, now, staleBefore) {
      statements.touchGuest.run({ id, now: now.getTime(), stale_before: staleBefore.getTime() });
    },
    // Two statements, so run inside a transaction by the caller; the guests' requests first, while the rows still name them.
    deleteIdleGuests(before) {
      statements.deleteIdleGuestRequests.run({ before: before.getTime() });
      return statements.deleteIdleGuests.run({ before: before.getTime() }).changes;
    },
    findById(id) {
      const row = statements.userById.get({ id });
      return row === undefined ? null : userRecord(row, internals.date);
    },
    findWithCart(id) {
      return userWithCart(statements.userWithCart.all({ user_id: id }), internals.date);
    },
    findByEmail(email) {
      const row = statements.userByEmail.get({ email: email.toLowerCase() });
      return row === undefined ? null : accountRecord(row, internals.date);
    },
    bumpTokenVersion(id) {
      return statements.bumpTokenVersion.get({ id }) ?? null;
    },
    // BEGIN IMMEDIATE already holds the database's only write lock, so there is no row to lock: only check it exists.
    lock(id) {
      return statements.userExists.get(id) !== undefined;
    },
    delete(id) {
      return statements.deleteUser.run({ id }).changes > 0;
    },
  };

  const products: Synchronous<ProductStore> = {
    list(query: ProductQuery) {
      const includeInactive = query.includeInactive ? 1 : 0;
      const page = { limit: query.limit, offset: query.offset };
      if (query.q === undefined) {
        const items = statements.listProducts.all({ includeInactive, ...page });
        return { items: items.map(internals.product), total: statements.countProducts.get({ includeInactive }) ?? 0 };
      }
      const terms = searchTerms(query.q);
      if (terms.words.length === 0) {
        return { items: [], total: 0 };
      }
      const match = fts5Query(terms);
      const items = statements.searchProducts.all({ includeInactive, match, names: fts5Query(terms, ['sku', 'name']), ...page });
      return { items: items.map(internals.product), total: statements.countSearch.get({ includeInactive, match }) ?? 0 };
    },
    get(sku) {
      const row = statements.productBySku.get({ sku });
      return row === undefined ? null : internals.product(row);
    },
    getMany(skus) {
      return statements.productsBySku.all({ skus: JSON.stringify(skus) }).map(internals.product);
    },
    upsert(list) {
      upsertProducts.immediate(list);
    },
  };

  const carts: Synchronous<CartStore> = {
    get(userId) {
      const rows = statements.cart.all({ user_id: userId });
      return cartRecord(rows, internals.date);
    },
    // BEGIN IMMEDIATE already holds the database's only write lock, so there is no row to lock: read the version, and
    // create the row only for a user's first mutation.
    lock(userId) {
      const version = statements.cartVersion.get(userId);
      if (version !== undefined) {
        return version;
      }
      statements.ensureCart.run({ user_id: userId });
      return 0;
    },
    bumpVersion(userId) {
      // An upsert with RETURNING yields its row whether it inserted or updated.
      return statements.bumpCartVersion.get({ user_id: userId }) as number;
    },
    lineState(userId, sku) {
      // A scalar-subquery SELECT without FROM always yields one row.
      const row = statements.lineState.get({ user_id: userId, sku }) as { quantity: number | null; line_count: number; active: number | null; stock: number | null };
      return { quantity: row.quantity, lineCount: row.line_count, product: row.active === null ? null : { active: row.active === 1, stock: row.stock } };
    },
    countLines(userId) {
      return statements.countLines.get({ user_id: userId }) ?? 0;
    },
    setQuantity(userId, sku, quantity, now) {
      statements.setQuantity.run({ user_id: userId, sku, quantity, now: now.getTime() });
    },
    removeLine(userId, sku) {
      return statements.removeLine.run({ user_id: userId, sku }).changes > 0;
    },
    clear(userId) {
      return statements.clearCart.run({ user_id: userId }).changes;
    },
  };

  const preferences: Synchronous<PreferenceStore> = {
    list(userId) {
      return preferenceRecords(statements.preferences.all({ user_id: userId }));
    },
    get(userId, key) {
      const value = statements.preference.get({ user_id: userId, key });
      return value === undefined ? undefined : (JSON.parse(value) as unknown);
    },
    count(userId) {
      return statements.countPreferences.get({ user_id: userId }) ?? 0;
    },
    set(userId, key, value, now) {
      statements.setPreference.run({ user_id: userId, key, value: preferenceText(value), now: now.getTime() });
    },
    delete(userId, key) {
      return statements.deletePreference.run({ user_id: userId, key }).changes > 0;
    },
  };

  const tokens: Synchronous<TokenStore> = {
    insert(token: NewRefreshToken) {
      statements.insertToken.run({
        token_hash: token.tokenHash,
        user_id: token.userId,
        family_id: token.familyId,
        token_version: token.tokenVersion,
        created_at: token.createdAt.getTime(),
        expires_at: token.expiresAt.getTime(),
      });
    },
    consume(tokenHash, now): ConsumeResult {
      const consumed = statements.consumeToken.get({ now: now.getTime(), token_hash: tokenHash });
      if (consumed !== undefined) {
        return { status: 'consumed', token: tokenRecord(consumed, internals.date) };
      }
      const row = statements.tokenByHash.get({ token_hash: tokenHash });
      if (row !== undefined && row.used_at !== null) {
        return { status: 'reused', token: tokenRecord(row, internals.date) };
      }
      return { status: 'invalid' };
    },
    revoke(tokenHash, userId, now) {
      return statements.revokeToken.run({ now: now.getTime(), token_hash: tokenHash, user_id: userId }).changes > 0;
    },
    revokeFamily(familyId, now) {
      return statements.revokeFamily.run({ now: now.getTime(), family_id: familyId }).changes;
    },
    deleteExpired(before) {
      return statements.deleteExpiredTokens.run({ before: before.getTime() }).changes;
    },
  };

  const idempotency: SqliteIdempotencyRecords = {
    find(scope, key) {
      return statements.idempotencyRecord.get({ scope, key });
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
      return statements.deleteExpiredIdempotencyKeys.run({ before: before.getTime() }).changes;
    },
    trim(scope, keep) {
      return statements.trimIdempotencyKeys.run({ scope, keep }).changes;
    },
  };

  const loginFailures: Synchronous<LoginFailureStore> = {
    record(account, address, now, expiredBefore) {
      statements.recordLoginFailure.run({ account, address, now: now.getTime(), expired_before: expiredBefore.getTime() });
    },
    release(account, address) {
      statements.releaseLoginFailure.run({ account, address });
    },
    count(account, address, since) {
      return loginFailureCounts(statements.countLoginFailures.get({ account, address, since: since.getTime() }), internals.date);
    },
    clear(account, address) {
      return statements.clearLoginFailures.run({ account, address }).changes > 0;
    },
    deleteExpired(before) {
      return statements.deleteExpiredLoginFailures.run({ before: before.getTime() }).changes;
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
