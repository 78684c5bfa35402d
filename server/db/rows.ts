import type { AccountRecord, CartRecord, GuestRecord, LoginFailureCounts, RefreshTokenRecord, UserRecord, UserWithCart } from './store.js';

/**
 * The rows the shared statements (shared-sql.ts) return, and how they become the store's records: the same in both
 * dialects but for times, which SQLite returns as epoch milliseconds and Postgres as `Date`s (`Time`).
 */

export interface UserRow<Time> {
  id: string;
  email: string | null;
  password_hash: string | null;
  token_version: number;
  created_at: Time;
  kind: string;
  touched_at: Time | null;
}

/** One row per line of the cart, ordered by line; one with no line (`sku` NULL) for an empty cart. */
export interface CartRow<Time> {
  version: number | null;
  /** The user's `currency` preference as JSON text, on every row. */
  currency_preference: string | null;
  sku: string | null;
  name: string;
  quantity: number;
  added_at: Time;
  /** 0/1 on SQLite, boolean on Postgres. */
  active: number | boolean;
  stock: number | null;
  /** The line's price list: JSON text (SQLite) or parsed (Postgres). */
  prices: string | Record<string, number> | null;
}

/** A row of the user-with-cart statement: the user's columns on every line's row. */
export type UserCartRow<Time> = UserRow<Time> & CartRow<Time>;

export interface TokenRow<Time> {
  token_hash: string;
  user_id: string;
  family_id: string;
  token_version: number;
  created_at: Time;
  expires_at: Time;
  used_at: Time | null;
  revoked_at: Time | null;
}

export interface LoginFailureCountRow<Time> {
  account: number;
  address: number;
  account_oldest: Time | null;
  address_oldest: Time | null;
}

export type ToDate<Time> = (time: Time) => Date;

export function userRecord<Time>(row: UserRow<Time>, date: ToDate<Time>): UserRecord {
  const common = { id: row.id, tokenVersion: row.token_version, createdAt: date(row.created_at) };
  // The table's CHECK constraint ties kind to which columns are set.
  if (row.kind === 'guest') {
    return { ...common, kind: 'guest', email: null, passwordHash: null, touchedAt: date(row.touched_at as Time) };
  }
  return { ...common, kind: 'account', email: row.email as string, passwordHash: row.password_hash as string, touchedAt: null };
}

/** {@link userRecord} of a row that is an account's (a lookup by email, an insert with one). */
export function accountRecord<Time>(row: UserRow<Time>, date: ToDate<Time>): AccountRecord {
  const user = userRecord(row, date);
  if (user.kind !== 'account') {
    throw new Error(`user ${row.id} is not an account`);
  }
  return user;
}

/** {@link userRecord} of a row that is a guest's. */
export function guestRecord<Time>(row: UserRow<Time>, date: ToDate<Time>): GuestRecord {
  const user = userRecord(row, date);
  if (user.kind !== 'guest') {
    throw new Error(`user ${row.id} is not a guest`);
  }
  return user;
}

export function tokenRecord<Time>(row: TokenRow<Time>, date: ToDate<Time>): RefreshTokenRecord {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    familyId: row.family_id,
    tokenVersion: row.token_version,
    createdAt: date(row.created_at),
    expiresAt: date(row.expires_at),
    usedAt: row.used_at === null ? null : date(row.used_at),
    revokedAt: row.revoked_at === null ? null : date(row.revoked_at),
  };
}

/** The rows of the `cart` statement: one per line, or one with no line for an empty cart. */
export function cartRecord<Time>(rows: readonly CartRow<Time>[], date: ToDate<Time>): CartRecord {
  const lines: CartRecord['lines'] = [];
  for (const row of rows) {
    if (row.sku !== null) {
      lines.push({
        sku: row.sku,
        name: row.name,
        quantity: row.quantity,
        prices: priceList(row.prices),
        addedAt: date(row.added_at),
        active: row.active === true || row.active === 1,
        stock: row.stock,
      });
    }
  }
  const preference = rows[0]?.currency_preference ?? null;
  return { version: rows[0]?.version ?? 0, currencyPreference: preference === null ? undefined : (JSON.parse(preference) as unknown), lines };
}

/** The rows of the `userWithCart` statement: none when there is no such user. */
export function userWithCart<Time>(rows: readonly UserCartRow<Time>[], date: ToDate<Time>): UserWithCart | null {
  const first = rows[0];
  return first === undefined ? null : { user: userRecord(first, date), cart: cartRecord(rows, date) };
}

/** A price list as the product statements return it: JSON text (SQLite) or parsed (Postgres); `null` when empty. */
export function priceList(prices: string | Record<string, number> | null): Record<string, number> {
  if (prices === null) {
    return {};
  }
  return typeof prices === 'string' ? (JSON.parse(prices) as Record<string, number>) : { ...prices };
}

export function loginFailureCounts<Time>(row: LoginFailureCountRow<Time> | undefined, date: ToDate<Time>): LoginFailureCounts {
  return {
    account: row?.account ?? 0,
    address: row?.address ?? 0,
    accountOldest: row?.account_oldest == null ? null : date(row.account_oldest),
    addressOldest: row?.address_oldest == null ? null : date(row.address_oldest),
  };
}

/** Preference values are stored as JSON text. */
export function preferenceText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError('a preference value must be JSON-serialisable');
  }
  return text;
}

export function preferenceRecords(rows: readonly { key: string; value: string }[]): Record<string, unknown> {
  return Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
}
