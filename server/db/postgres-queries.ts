import type { ISql } from 'postgres';

import { claimResultFromRow, type IdempotencyRow as IdempotencyRowOf } from './idempotency-claim.js';
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
import { isLockTimeout } from './postgres-errors.js';
import { searchTerms, tsQuery } from './search-terms.js';
import { cartStatements, positional, type PositionalStatement, type PricesExpression, type SharedStatement, sharedSql } from './shared-sql.js';
import { createEmailSkeletons } from './postgres-email-skeletons.js';
import { createRegistrationAttempts } from './postgres-registration-attempts.js';
import type {
  CartStore,
  IdempotencyStore,
  LoginFailureStore,
  RegistrationAttemptStore,
  EmailSkeletonStore,
  PreferenceStore,
  ProductRecord,
  ProductStore,
  TokenStore,
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

type IdempotencyRow = IdempotencyRowOf<Date>;

interface ProductRow {
  sku: string;
  name: string;
  description: string;
  prices: Record<string, number> | null;
  active: boolean;
  stock: number | null;
}

const prices: PricesExpression = (sku) =>
  `(SELECT json_object_agg(pp.currency, pp.amount ORDER BY pp.currency) FROM product_prices AS pp WHERE pp.sku = ${sku})`;

const internals = {
  date: (time: Date): Date => time,
  /** The product columns with the price list as one JSON object (parsed by the driver), ordered by currency. */
  productColumns: (q: Queryable) => q`sku, name, description, active, stock,
    (SELECT json_object_agg(pp.currency, pp.amount ORDER BY pp.currency) FROM product_prices AS pp WHERE pp.sku = products.sku) AS prices`,
  product(row: ProductRow): ProductRecord {
    return { sku: row.sku, name: row.name, description: row.description, prices: priceList(row.prices), active: row.active, stock: row.stock };
  },
  /** The shared statements in Postgres's form, rewritten once. */
  statements: Object.fromEntries(
    Object.entries({ ...sharedSql, ...cartStatements(prices) }).map(([name, text]) => [name, positional(text)]),
  ) as Record<SharedStatement | keyof ReturnType<typeof cartStatements>, PositionalStatement>,

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
      active: p.active,
      stock: p.stock ?? null,
      prices: { ...p.prices },
    }));
  },
};

/**
 * The operations of the `Store` as Postgres queries on `q`. Queries are tagged templates, so every value is a bound
 * parameter, and the `postgres` package prepares each statement once per connection. Counts are cast to integer
 * because Postgres returns bigint, which arrives as a string.
 */
export function createPostgresQueries(q: Queryable, options: PostgresQueryOptions): PostgresQueries {
  /**
   * Runs a shared statement (shared-sql.ts) with its named parameters. Prepared once per connection, as tagged
   * templates are, unless the connection was opened with `prepare: false`.
   */
  const run = <T extends readonly unknown[] = Record<string, unknown>[]>(name: keyof typeof internals.statements, params: Record<string, unknown> = {}) => {
    const { text, names } = internals.statements[name];
    return q.unsafe<T extends unknown[] ? T : never>(text, names.map((key) => params[key]) as never[], { prepare: true });
  };

  const users: UserStore = {
    async create(user) {
      const [row] = await run<UserRow<Date>[]>('createUser', {
        id: user.id,
        email: user.email.toLowerCase(),
        password_hash: user.passwordHash,
        created_at: user.createdAt,
      });
      return row === undefined ? null : accountRecord(row, internals.date);
    },
    async createGuest(id, createdAt) {
      const [row] = await run<UserRow<Date>[]>('createGuest', { id, created_at: createdAt });
      return guestRecord(row as UserRow<Date>, internals.date);
    },
    async touchGuest(id, now, staleBefore) {
      await run('touchGuest', { id, now, stale_before: staleBefore });
    },
    async deleteIdleGuests(before) {
      await run('deleteIdleGuestRequests', { before });
      const result = await run('deleteIdleGuests', { before });
      return result.count;
    },
    async findById(id) {
      const [row] = await run<UserRow<Date>[]>('userById', { id });
      return row === undefined ? null : userRecord(row, internals.date);
    },
    async findWithCart(id) {
      return userWithCart(await run<UserCartRow<Date>[]>('userWithCart', { user_id: id }), internals.date);
    },
    async findByEmail(email) {
      const [row] = await run<UserRow<Date>[]>('userByEmail', { email: email.toLowerCase() });
      return row === undefined ? null : accountRecord(row, internals.date);
    },
    async bumpTokenVersion(id) {
      const [row] = await run<{ token_version: number }[]>('bumpTokenVersion', { id });
      return row?.token_version ?? null;
    },
    async lock(id) {
      const rows = await q`SELECT 1 FROM users WHERE id = ${id} FOR UPDATE`;
      return rows.length > 0;
    },
    async delete(id) {
      const result = await run('deleteUser', { id });
      return result.count > 0;
    },
  };

  const products: ProductStore = {
    async list(query) {
      const includeInactive = query.includeInactive === true;
      if (query.q === undefined) {
        const where = () => q`WHERE active OR ${includeInactive}::boolean`;
        const rows = await q<ProductRow[]>`
          SELECT ${internals.productColumns(q)} FROM products ${where()}
          ORDER BY sku LIMIT ${query.limit} OFFSET ${query.offset}`;
        const [count] = await q<{ total: number }[]>`SELECT count(*)::integer AS total FROM products ${where()}`;
        return { items: rows.map(internals.product), total: count?.total ?? 0 };
      }
      const terms = searchTerms(query.q);
      if (terms.words.length === 0) {
        return { items: [], total: 0 };
      }
      // A GIN index lookup; SKU and name matches (weight A) first, then by sku: the same order SQLite gives.
      const where = () => q`WHERE search @@ to_tsquery('simple', ${tsQuery(terms)}) AND (active OR ${includeInactive}::boolean)`;
      const rows = await q<ProductRow[]>`
        SELECT ${internals.productColumns(q)} FROM products ${where()}
        ORDER BY search @@ to_tsquery('simple', ${tsQuery(terms, 'A')}) DESC, sku
        LIMIT ${query.limit} OFFSET ${query.offset}`;
      const [count] = await q<{ total: number }[]>`SELECT count(*)::integer AS total FROM products ${where()}`;
      return { items: rows.map(internals.product), total: count?.total ?? 0 };
    },
    async get(sku) {
      const [row] = await q<ProductRow[]>`SELECT ${internals.productColumns(q)} FROM products WHERE sku = ${sku}`;
      return row === undefined ? null : internals.product(row);
    },
    async getMany(skus) {
      // A JSON array rather than a Postgres one: the pool does not fetch array types, so it cannot serialise those.
      const rows = await q<ProductRow[]>`
        SELECT ${internals.productColumns(q)} FROM products
        WHERE sku IN (SELECT jsonb_array_elements_text(${q.json([...skus])})) ORDER BY sku`;
      return rows.map(internals.product);
    },
    async upsert(list) {
      if (list.length === 0) {
        return;
      }
      // One statement for any number of rows, so it is atomic without a transaction of its own.
      const rows = q.json(internals.lastPerSku(list));
      // The data-modifying CTEs share one snapshot and touch disjoint price rows: the ones the new list drops, and the
      // ones it sets. Foreign keys are checked at the end of the statement, when the products are in.
      await q`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${rows}) AS p (sku text, name text, description text, active boolean, stock integer, prices jsonb)
        ), saved AS (
          INSERT INTO products (sku, name, description, active, stock)
          SELECT sku, name, description, active, stock FROM input
          ON CONFLICT (sku) DO UPDATE SET
            name = excluded.name, description = excluded.description, active = excluded.active, stock = excluded.stock
        ), dropped AS (
          DELETE FROM product_prices AS pp USING input
          WHERE pp.sku = input.sku AND NOT jsonb_exists(input.prices, pp.currency)
        )
        INSERT INTO product_prices (sku, currency, amount)
        SELECT input.sku, price.key, price.value::integer FROM input, jsonb_each_text(input.prices) AS price
        ON CONFLICT (sku, currency) DO UPDATE SET amount = excluded.amount`;
    },
  };

  const carts: CartStore = {
    async get(userId) {
      const rows = await run<CartRow<Date>[]>('cart', { user_id: userId });
      return cartRecord(rows, internals.date);
    },
    async lock(userId) {
      // A concurrent first insert of the same cart waits for ours to commit, then does nothing; FOR UPDATE then holds
      // the row until our transaction ends, queueing every other mutation of this cart behind it.
      await run('ensureCart', { user_id: userId });
      const [row] = await q<{ version: number }[]>`SELECT version FROM carts WHERE user_id = ${userId} FOR UPDATE`;
      return row?.version ?? 0;
    },
    async bumpVersion(userId) {
      const [row] = await run<{ version: number }[]>('bumpCartVersion', { user_id: userId });
      return row?.version ?? 1;
    },
    async lineState(userId, sku) {
      const [row] = await run<{ quantity: number | null; line_count: number; active: boolean | null; stock: number | null }[]>('lineState', { user_id: userId, sku });
      return {
        quantity: row?.quantity ?? null,
        lineCount: row?.line_count ?? 0,
        product: row === undefined || row.active === null ? null : { active: row.active, stock: row.stock },
      };
    },
    async countLines(userId) {
      const [row] = await run<{ n: number }[]>('countLines', { user_id: userId });
      return row?.n ?? 0;
    },
    async setQuantity(userId, sku, quantity, now) {
      await run('setQuantity', { user_id: userId, sku, quantity, now });
    },
    async removeLine(userId, sku) {
      const result = await run('removeLine', { user_id: userId, sku });
      return result.count > 0;
    },
    async clear(userId) {
      const result = await run('clearCart', { user_id: userId });
      return result.count;
    },
  };

  const preferences: PreferenceStore = {
    async list(userId) {
      const rows = await run<{ key: string; value: string }[]>('preferences', { user_id: userId });
      return preferenceRecords(rows);
    },
    async get(userId, key) {
      const [row] = await run<{ value: string }[]>('preference', { user_id: userId, key });
      return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
    },
    async count(userId) {
      const [row] = await run<{ n: number }[]>('countPreferences', { user_id: userId });
      return row?.n ?? 0;
    },
    async set(userId, key, value, now) {
      await run('setPreference', { user_id: userId, key, value: preferenceText(value), now });
    },
    async delete(userId, key) {
      const result = await run('deletePreference', { user_id: userId, key });
      return result.count > 0;
    },
  };

  const tokens: TokenStore = {
    async insert(token) {
      await run('insertToken', {
        token_hash: token.tokenHash,
        user_id: token.userId,
        family_id: token.familyId,
        token_version: token.tokenVersion,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
      });
    },
    async consume(tokenHash, now) {
      const [consumed] = await run<TokenRow<Date>[]>('consumeToken', { now, token_hash: tokenHash });
      if (consumed !== undefined) {
        return { status: 'consumed', token: tokenRecord(consumed, internals.date) };
      }
      const [row] = await run<TokenRow<Date>[]>('tokenByHash', { token_hash: tokenHash });
      if (row !== undefined && row.used_at !== null) {
        return { status: 'reused', token: tokenRecord(row, internals.date) };
      }
      return { status: 'invalid' };
    },
    async revoke(tokenHash, userId, now) {
      const result = await run('revokeToken', { now, token_hash: tokenHash, user_id: userId });
      return result.count > 0;
    },
    async revokeFamily(familyId, now) {
      const result = await run('revokeFamily', { now, family_id: familyId });
      return result.count;
    },
    async deleteExpired(before) {
      const result = await run('deleteExpiredTokens', { before });
      return result.count;
    },
  };

  const idempotency: IdempotencyStore = {
    async claim(scope, key, fingerprint, now, expiresAt) {
      // A claim of a key that another transaction has claimed but not yet committed waits for that transaction to end.
      // lock_timeout bounds the wait, for the INSERT alone: the value before is kept in a transaction-local setting of
      // our own and put back after the INSERT, so the locks the rest of the transaction takes wait as long as they always
      // did. As no statement needs the answer of the one before, the three are sent together: one round trip.
      const setting = q`
        SELECT set_config('shop.lock_timeout_before_claim', current_setting('lock_timeout'), true),
               set_config('lock_timeout', ${String(options.claimWaitMs)}, true)`.execute();
      // Inserts a new key, or takes over one whose record has expired. A live record is left alone and nothing is
      // returned, but its row stays locked until this transaction ends: concurrent replays of one key queue briefly.
      const inserting = q`
        INSERT INTO idempotency_keys (scope, key, fingerprint, created_at, expires_at)
        VALUES (${scope}, ${key}, ${fingerprint}, ${now}, ${expiresAt})
        ON CONFLICT (scope, key) DO UPDATE SET
          fingerprint = excluded.fingerprint, status = NULL, body = NULL, headers = NULL,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        WHERE idempotency_keys.expires_at <= excluded.created_at
        RETURNING 1`.execute();
      const restoring = q`SELECT set_config('lock_timeout', current_setting('shop.lock_timeout_before_claim'), true)`.execute();
      // When the INSERT fails, Postgres refuses what follows it in the aborted transaction: that failure says nothing new.
      restoring.catch(() => {});
      inserting.catch(() => {});
      let claimed: readonly unknown[];
      try {
        await setting;
        claimed = await inserting;
      } catch (error) {
        // The holder is still running: an expected outcome, not a database failure. The setting needs no restoring,
        // as the failed statement aborted the transaction.
        if (isLockTimeout(error)) {
          options.onClaimTimeout?.();
          return { status: 'in_flight' };
        }
        throw error;
      }
      await restoring;
      if (claimed.length > 0) {
        return { status: 'claimed' };
      }
      // READ COMMITTED: this statement's snapshot includes the record the INSERT waited for, once it was committed.
      const [row] = await run<IdempotencyRow[]>('idempotencyRecord', { scope, key });
      const result = claimResultFromRow(row, fingerprint, now, (time) => time);
      if (result.status === 'claimed') {
        throw new Error('idempotency.claim() found neither a free key nor a live record');
      }
      return result;
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
      const result = await run('deleteExpiredIdempotencyKeys', { before });
      return result.count;
    },
    async trim(scope, keep) {
      const result = await run('trimIdempotencyKeys', { scope, keep });
      return result.count;
    },
  };

  const loginFailures: LoginFailureStore = {
    async record(account, address, now, expiredBefore) {
      await run('recordLoginFailure', { account, address, now, expired_before: expiredBefore });
    },
    async release(account, address) {
      await run('releaseLoginFailure', { account, address });
    },
    async count(account, address, since) {
      const [row] = await run<LoginFailureCountRow<Date>[]>('countLoginFailures', { account, address, since });
      return loginFailureCounts(row, internals.date);
    },
    async clear(account, address) {
      const result = await run('clearLoginFailures', { account, address });
      return result.count > 0;
    },
    async deleteExpired(before) {
      const result = await run('deleteExpiredLoginFailures', { before });
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
      await run('ping');
    },
  };
}
