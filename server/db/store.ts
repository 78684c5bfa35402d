import type { OrderStore } from './order-store.js';

/**
 * The one persistence contract of the server. Two implementations — SQLite (better-sqlite3) and Postgres (postgres) —
 * pass the same contract suite. Everything the server knows about users, carts, preferences and tokens lives behind
 * this interface; nothing of it is kept in the process between calls.
 *
 * Rules every implementation keeps:
 * - Every mutation is one atomic SQL statement, or runs inside `transaction`. Nothing is read into JavaScript, changed
 *   and written back outside a transaction that holds the row.
 * - Times are `Date`s in and out; ids are strings; money is integer minor units.
 * - No business rules: the limits and checks of the shop are in shared/rules/, and server/domain/ decides with them
 *   before it writes. Expected outcomes (duplicate email, unknown row) are return values, not exceptions. Exceptions mean
 *   the database failed; they surface as `StoreUnavailableError` when the database cannot be reached.
 */

interface UserFields {
  id: string;
  /** Bumped by logout-all; access and refresh tokens carry the version they were issued under. */
  tokenVersion: number;
  createdAt: Date;
}

/** A registered account. */
export interface AccountRecord extends UserFields {
  kind: 'account';
  /** Lower-cased. */
  email: string;
  /** scrypt hash in PHC-like form; see server/auth/passwords.ts. */
  passwordHash: string;
  touchedAt: null;
}

/** A guest (`POST /auth/guest`): no email, no password; deleted by housekeeping once idle since `touchedAt` too long. */
export interface GuestRecord extends UserFields {
  kind: 'guest';
  email: null;
  passwordHash: null;
  /** When the guest was last used, kept to the hour (see server/auth/strategy.ts). */
  touchedAt: Date;
}

export type UserRecord = AccountRecord | GuestRecord;

export interface NewUser {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

export interface UserWithCart {
  user: UserRecord;
  cart: CartRecord;
}

export interface UserStore {
  /** Inserts the user; `null` when the email is already taken (compared lower-cased). */
  create(user: NewUser): Promise<AccountRecord | null>;
  /** Inserts a guest, touched at `createdAt`. */
  createGuest(id: string, createdAt: Date): Promise<GuestRecord>;
  findById(id: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<AccountRecord | null>;
  /**
   * The user row and their cart in one statement (one snapshot, one round trip): an authenticated cart read checks the
   * token against the row it reads the cart with. `null` for an unknown user.
   */
  findWithCart(id: string): Promise<UserWithCart | null>;
  /** Sets a guest's `touchedAt` to `now` in one statement, only if it is before `staleBefore` (so at most once per period). */
  touchGuest(id: string, now: Date, staleBefore: Date): Promise<void>;
  /**
   * Deletes the guests last touched before `before`, their Idempotency-Key records (scope `user:<id>`) first, then the
   * rows (the cart, preferences, refresh tokens and devices go by cascade). Returns how many guests went.
   */
  deleteIdleGuests(before: Date): Promise<number>;
  /**
   * Atomically increments the token version, which revokes every access and refresh token issued before.
   * Returns the new version, or `null` for an unknown user.
   */
  bumpTokenVersion(id: string): Promise<number | null>;
  /**
   * Inside a transaction: locks the user's row until the transaction ends (`SELECT … FOR UPDATE` on Postgres; SQLite's
   * `BEGIN IMMEDIATE` already serialises writers) so per-user limits can be checked and kept. `false` for an unknown user.
   */
  lock(id: string): Promise<boolean>;
  /** Removes the user and, by cascade, their cart, preferences and refresh tokens. `false` when there was none. */
  delete(id: string): Promise<boolean>;
}

export interface ProductRecord {
  sku: string;
  name: string;
  description: string;
  /** ISO 4217 code → minor units. Holds the catalogue's default currency (see shared/rules/pricing.ts). */
  prices: Record<string, number>;
  active: boolean;
  /** Units in stock; `null` (or absent) when unlimited. Never negative. */
  stock?: number | null;
}

export interface ProductQuery {
  /**
   * Full-text search over sku, name and description: every word must match, in any order, the last one as a prefix;
   * SKU and name matches come first, then by sku. Unset: every product, by sku.
   */
  q?: string;
  /** Only active products unless set. */
  includeInactive?: boolean;
  limit: number;
  offset: number;
}

export interface ProductStore {
  /** Ordered by sku. */
  list(query: ProductQuery): Promise<{ items: ProductRecord[]; total: number }>;
  /** Any product, active or not. */
  get(sku: string): Promise<ProductRecord | null>;
  /** The products with these SKUs that exist, active or not, in one statement; ordered by sku. */
  getMany(skus: readonly string[]): Promise<ProductRecord[]>;
  /** Inserts or updates by sku, in one transaction; a product's price list is replaced as a whole. */
  upsert(products: readonly ProductRecord[]): Promise<void>;
}

/** A cart line joined with its product, as stored. Totals are computed by the domain, not here. */
export interface CartLineRecord {
  sku: string;
  name: string;
  quantity: number;
  /** The product's price list: the domain picks the cart's currency from them (shared/rules/pricing.ts). */
  prices: Record<string, number>;
  addedAt: Date;
  /** The product as the catalogue has it now: `false` when no longer sold. Checkout decides on these. */
  active: boolean;
  /** Units in stock now; `null` when unlimited. */
  stock: number | null;
}

export interface CartRecord {
  /** 0 for a user who never changed their cart. */
  version: number;
  /**
   * The user's `currency` preference, parsed (`undefined` when unset), read by the same statement as the lines: the
   * cart is priced in it without another round trip.
   */
  currencyPreference: unknown;
  /** Ordered by the time each line was first added, then sku. */
  lines: CartLineRecord[];
}

/** What the database holds about one line of a cart and its product. */
export interface CartLineState {
  /** `null` when the cart has no such line. */
  quantity: number | null;
  lineCount: number;
  /** `null` when there is no product with this SKU. `stock` is `null` when unlimited. */
  product: { active: boolean; stock: number | null } | null;
}

export interface CartStore {
  get(userId: string): Promise<CartRecord>;
  /**
   * Inside a transaction: makes sure the user's cart row exists, locks it until the transaction ends, and returns its
   * current version. Every cart mutation starts with this, so concurrent mutations of one cart run one after another.
   */
  lock(userId: string): Promise<number>;
  /** Increments the cart version; returns the new one. Call once per mutation that changed something. */
  bumpVersion(userId: string): Promise<number>;
  /**
   * In one statement: this SKU's line, the number of lines, and the product — what a cart rule needs to decide a
   * change of one line (see shared/rules/cart.ts).
   */
  lineState(userId: string, sku: string): Promise<CartLineState>;
  countLines(userId: string): Promise<number>;
  /** Sets the line to `quantity` (≥ 1), creating it if needed; a line keeps the time it was first added. */
  setQuantity(userId: string, sku: string, quantity: number, now: Date): Promise<void>;
  /** `false` when there was no such line. */
  removeLine(userId: string, sku: string): Promise<boolean>;
  /** Removes every line; returns how many there were. */
  clear(userId: string): Promise<number>;
}

export interface PreferenceStore {
  /** Values are stored as JSON text and returned parsed. Ordered by key. */
  list(userId: string): Promise<Record<string, unknown>>;
  /** `undefined` when the user has no such key (a stored JSON `null` comes back as `null`). */
  get(userId: string, key: string): Promise<unknown>;
  count(userId: string): Promise<number>;
  /** Inserts or replaces in one statement. */
  set(userId: string, key: string, value: unknown, now: Date): Promise<void>;
  /** `false` when there was no such key. */
  delete(userId: string, key: string): Promise<boolean>;
}

export interface RefreshTokenRecord {
  /** SHA-256 of the opaque token, hex. The token itself is never stored. */
  tokenHash: string;
  userId: string;
  /** Every token rotated from one login shares a family; re-use of a rotated token revokes the family. */
  familyId: string;
  /** The user's token version when issued; stale after logout-all. */
  tokenVersion: number;
  createdAt: Date;
  expiresAt: Date;
  /** Set when the token was exchanged for a new pair. */
  usedAt: Date | null;
  /** Set by logout or family revocation. */
  revokedAt: Date | null;
}

export type NewRefreshToken = Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'>;

/** What happened when a refresh token was presented. */
export type ConsumeResult =
  | { status: 'consumed'; token: RefreshTokenRecord }
  /** The token had already been used: a replay, so the family must be revoked. */
  | { status: 'reused'; token: RefreshTokenRecord }
  /** Unknown, expired or revoked. */
  | { status: 'invalid' };

export interface TokenStore {
  insert(token: NewRefreshToken): Promise<void>;
  /**
   * Marks the token used in one conditional statement (`UPDATE … WHERE used_at IS NULL AND revoked_at IS NULL AND
   * expires_at > now RETURNING …`), so of any number of concurrent calls with one token exactly one gets `consumed`.
   */
  consume(tokenHash: string, now: Date): Promise<ConsumeResult>;
  /** Revokes one token if it belongs to `userId`; `false` when there was nothing to revoke. */
  revoke(tokenHash: string, userId: string, now: Date): Promise<boolean>;
  /** Revokes every token of the family; returns how many were still live. */
  revokeFamily(familyId: string, now: Date): Promise<number>;
  /** Deletes tokens that expired before `before`; returns how many. */
  deleteExpired(before: Date): Promise<number>;
}

/** A stored answer to a mutation, kept so a retry with the same Idempotency-Key gets it back byte for byte. */
export interface IdempotentResponse {
  status: number;
  /** The exact response body as sent (JSON text, or '' for 204). */
  body: string;
  /** Response headers worth replaying, e.g. `etag`. */
  headers: Record<string, string>;
}

export interface IdempotencyRecord extends IdempotentResponse {
  scope: string;
  key: string;
  /** SHA-256 of method, path and canonical body: the same key with another request is refused. */
  fingerprint: string;
  createdAt: Date;
  expiresAt: Date;
}

/** What `claim` found. */
export type ClaimResult =
  /** The key is new (or its old record expired): this transaction owns it and must `complete` it before committing. */
  | { status: 'claimed' }
  /** The request already ran: answer with `record`. */
  | { status: 'replay'; record: IdempotencyRecord }
  /** The key was used for a different request. */
  | { status: 'mismatch' }
  /**
   * Another transaction holds the key and did not finish within the store's wait (Postgres), or a claim was committed
   * without its response. On Postgres the transaction is aborted by then: the work must end by throwing.
   */
  | { status: 'in_flight' };

export interface IdempotencyStore {
  /**
   * Inside a transaction: claims `key` within `scope` (Postgres: one `INSERT … ON CONFLICT DO UPDATE … WHERE expired`
   * that holds the key's row; SQLite, whose transaction holds the database's write lock: a read). The claim is only
   * visible to others once the transaction commits, together with the mutation and its response, so a crash can never
   * leave a key that says "done" without the change, or the reverse. A concurrent claim of the same key waits for the
   * holder's transaction (Postgres: up to a few seconds, then `in_flight`; SQLite: writers are serialised) and then
   * sees its committed record.
   */
  claim(scope: string, key: string, fingerprint: string, now: Date, expiresAt: Date): Promise<ClaimResult>;
  /** Inside the same transaction as `claim`: records the response to replay. Throws unless this transaction claimed the key and has not completed it. */
  complete(scope: string, key: string, response: IdempotentResponse): Promise<void>;
  /** Deletes records that expired before `before`; returns how many. */
  deleteExpired(before: Date): Promise<number>;
  /**
   * Keeps the `keep` newest records of `scope` (by creation time, then key) and deletes the older ones, in one
   * statement; returns how many went. What bounds one user's records however many keyed requests they send.
   */
  trim(scope: string, keep: number): Promise<number>;
}

/** A device that sends queued changes through the push endpoint, as the server remembers it. */
export interface DeviceRecord {
  deviceId: string;
  /** The highest change sequence of this device the server has applied (or refused for good); 0 for none yet. */
  lastSeq: number;
  lastSeen: Date;
}

/** A change of a device the server refused for good, kept so a resend of it is answered with the same refusal. */
export interface DeviceRefusal {
  seq: number;
  status: number;
  code: string;
  message: string;
}

/** What a device's row says, read and locked at the start of each change's transaction. */
export interface DeviceState {
  lastSeq: number;
  /** The device's most recent final refusals, oldest first; see `DeviceStore.setRefusals`. */
  refusals: DeviceRefusal[];
}

/**
 * One row per (user, device): what makes a queued change apply exactly once however late it is resent, in O(devices)
 * rows per user rather than one per change.
 */
export interface DeviceStore {
  /**
   * Inside a transaction: stamps `lastSeen` and locks the device's row until the transaction ends (an UPDATE, on both
   * databases), so changes of one device are decided one after another. Its state, or `null` when the server has no
   * such device (never seen, logged out, or evicted).
   */
  lock(userId: string, deviceId: string, now: Date): Promise<DeviceState | null>;
  /** Creates the device with last sequence 0 unless it exists; `true` when it was created. */
  register(userId: string, deviceId: string, now: Date): Promise<boolean>;
  /** Inside the transaction that applied (or refused) change `seq`: raises the last sequence to it, never lowers it. */
  advance(userId: string, deviceId: string, seq: number): Promise<void>;
  /** Inside the transaction that holds the row (`lock`): replaces the kept refusals. The caller keeps the list short. */
  setRefusals(userId: string, deviceId: string, refusals: readonly DeviceRefusal[]): Promise<void>;
  /** Deletes the user's devices beyond the `keep` most recently seen, in one statement; returns how many went. */
  evictBeyond(userId: string, keep: number): Promise<number>;
  /** `false` when there was no such device. */
  remove(userId: string, deviceId: string): Promise<boolean>;
  /** Most recently seen first. */
  list(userId: string): Promise<DeviceRecord[]>;
}

/** Failed logins still inside their window, for one account (over every address) and one address (over every account). */
export interface LoginFailureCounts {
  /** Failures against the account, from any client address. */
  account: number;
  /** Failures from the client address, against any account. */
  address: number;
  /** Start of the oldest window that counts towards `account`; `null` when it is 0. */
  accountOldest: Date | null;
  /** Start of the oldest window that counts towards `address`; `null` when it is 0. */
  addressOldest: Date | null;
}

/**
 * Failed logins per (account, client address) pair, shared by every instance. Each pair has a fixed window that starts
 * with its first failure; a failure after the window ended starts a new one. `account` is an opaque key (the server
 * passes a hash of the email), `address` the client address.
 */
export interface LoginFailureStore {
  /**
   * Counts one failure for the pair in one statement (`INSERT … ON CONFLICT DO UPDATE`): adds 1, or starts a new window
   * at `now` with 1 when the pair's window started at or before `expiredBefore`.
   */
  record(account: string, address: string, now: Date, expiredBefore: Date): Promise<void>;
  /** Takes back one failure `record` counted for the pair (never below 0): the attempt was refused unchecked. */
  release(account: string, address: string): Promise<void>;
  /** Adds up, in one statement, the failures of the account and of the address whose windows started after `since`. */
  count(account: string, address: string, since: Date): Promise<LoginFailureCounts>;
  /** Forgets the pair's failures (a successful login from that address); other addresses keep theirs. `false` when none. */
  clear(account: string, address: string): Promise<boolean>;
  /** Deletes pairs whose window started before `before`; returns how many. */
  deleteExpired(before: Date): Promise<number>;
}

/**
 * The keys under which the tables hold one user's personal data: their id, the idempotency scopes of their requests
 * (their own, and the registration of their email), and the login throttle's key for their email.
 */
export interface PersonalDataOwner {
  userId: string;
  idempotencyScopes: readonly string[];
  loginAccounts: readonly string[];
}

/** One row of personal data as exported: the columns personal-data.ts lists, times as `Date`, JSON columns parsed. */
export type PersonalRow = Record<string, unknown>;

/** Every row naming one user, by export section (see personal-data.ts). */
export type PersonalData = Record<PersonalSection, PersonalRow[]>;

/** The sections of an account export, one per table that names users; see `personalTables`. */
export type PersonalSection = 'account' | 'cart' | 'cartLines' | 'preferences' | 'sessions' | 'requests' | 'failedLogins' | 'emailKeys' | 'orders' | 'devices';

/**
 * The account as a whole: a password change, and every row that names a user, read or erased at once. Which tables and
 * columns those are is listed once, in personal-data.ts, for both dialects.
 */
export interface AccountStore {
  /**
   * Stores `newHash` and bumps the token version in one statement, only while the stored hash is still `expectedHash`
   * (the one the current password was checked against). The new token version, or `null` when the password changed
   * meanwhile (or the user is gone).
   */
  replacePassword(userId: string, expectedHash: string, newHash: string): Promise<number | null>;
  /** Every row of every table that names the owner, without the columns the map leaves out (hashes, tokens). */
  collect(owner: PersonalDataOwner): Promise<PersonalData>;
  /**
   * Inside a transaction: deletes every row of every table that names the owner, the user's own row last. Returns how
   * many rows went, by table.
   */
  erase(owner: PersonalDataOwner): Promise<Record<string, number>>;
}

/** An address's registrations in its current window, this one included. */
export interface RegistrationWindow {
  attempts: number;
  windowStart: Date;
}

/** Registration attempts per client address, shared by every instance, in a fixed window per address. */
export interface RegistrationAttemptStore {
  /**
   * Counts one attempt in one statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`): adds 1, or starts a new window
   * at `now` with 1 when the address's window started at or before `expiredBefore`. Returns the window after the count.
   */
  record(address: string, now: Date, expiredBefore: Date): Promise<RegistrationWindow>;
  /** Deletes addresses whose window started before `before`; returns how many. */
  deleteExpired(before: Date): Promise<number>;
}

/** The look-alike key of each account's email (see server/auth/email-skeleton.ts), unique across accounts. */
export interface EmailSkeletonStore {
  /** Whether an account already holds `skeleton`. */
  taken(skeleton: string): Promise<boolean>;
  /**
   * Gives `skeleton` to the user in one statement (`INSERT … ON CONFLICT DO NOTHING`); `false` when another account
   * holds it (or, concurrently, is committing it: the unique index makes the second wait and then lose).
   */
  claim(skeleton: string, userId: string): Promise<boolean>;
  /** Up to `limit` accounts that have no skeleton yet (created before skeletons were kept), oldest first. */
  withoutSkeleton(limit: number): Promise<{ id: string; email: string }[]>;
}
export type { OrderRecord, OrderStore } from './order-store.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  readonly dialect: Dialect;
  readonly users: UserStore;
  readonly products: ProductStore;
  readonly carts: CartStore;
  readonly preferences: PreferenceStore;
  readonly tokens: TokenStore;
  readonly idempotency: IdempotencyStore;
  readonly loginFailures: LoginFailureStore;
  readonly accounts: AccountStore;
  readonly registrationAttempts: RegistrationAttemptStore;
  readonly emailSkeletons: EmailSkeletonStore;
  readonly orders: OrderStore;
  readonly devices: DeviceStore;
  /**
   * Runs `work` in one database transaction (SQLite: `BEGIN IMMEDIATE`; Postgres: `BEGIN`) and commits when it
   * resolves, rolls back when it rejects. Use only the `tx` store inside `work`. Called on a `tx` store, it joins
   * that transaction: `work` runs inside it, and the outer transaction alone commits or rolls back. This lets a
   * domain operation that opens its own transaction run inside a wider one (e.g. with its Idempotency-Key record).
   * There is no savepoint: if the outer work catches a joined work's rejection and carries on, the joined writes
   * made before the failure commit with it.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** Cheap round trip for `/readyz`; rejects when the database is unreachable, or cannot take writes (a Postgres standby). */
  ping(): Promise<void>;
  /** Closes connections; waits for running transactions. */
  close(): Promise<void>;
}

/** Thrown by a store when the database cannot be reached; the server answers 503 and the client may retry. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
