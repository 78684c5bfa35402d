import type {
  AccountExport,
  Cart,
  Credentials,
  Health,
  CheckoutRequest,
  GuestMergeRequest,
  GuestSession,
  LoginResponse,
  Me,
  Order,
  OrderPage,
  Preference,
  PreferenceValue,
  Preferences,
  Product,
  ProductPage,
  PushRequest,
  PushResponse,
  RegisteredUser,
  TokenPair,
} from '../../shared/wire.js';

export interface ProductQuery {
  query?: string;
  limit?: number;
  offset?: number;
  /** Price each product in this currency where its price list has one (the `currency` preference). */
  currency?: string;
}

export interface MeOptions {
  /** Check this token instead of the current one (`shop login --with-token`). */
  token?: string;
  /** Refresh an expired token first (default true). `shop status` looks without changing anything. */
  refresh?: boolean;
}

/**
 * Everything the CLI asks of the server. Commands get one from `deps.api()`, so they never build HTTP requests; the
 * offline-first client (cli/offline/offline-first-client.ts) wraps it with the outbox and the snapshot cache.
 *
 * Every change takes an `idempotencyKey`, sent as `Idempotency-Key` on every attempt: the caller makes one per
 * operation and keeps it — in the outbox, when the change is queued — so however often it is sent, the server applies
 * it once.
 *
 * Calls that need a login attach the access token, refresh it once when it has expired, and throw
 * `AuthenticationError` when the server still says 401 or 403. Failures to reach the server throw
 * `ServerUnreachableError`; other refusals throw `ApiError` with the server's code.
 */
export interface ApiClient {
  readonly server: string;
  /** A new guest's tokens (`POST /auth/guest`); the caller stores them as a login without an email. */
  startGuest(): Promise<GuestSession>;
  /** With `guestToken`, the guest is merged into the new account and the answer's `merge` says how. */
  register(credentials: Credentials & GuestMergeRequest, idempotencyKey: string): Promise<RegisteredUser>;
  /** With `guestToken`, the guest is merged into the account and the answer's `merge` says how. */
  login(credentials: Credentials & GuestMergeRequest): Promise<LoginResponse>;
  /**
   * Revokes the stored login's refresh token (`session`), or every token of the user (`all`). Does not touch the
   * local credentials; the command does.
   */
  logout(scope: 'session' | 'all', idempotencyKey: string): Promise<void>;
  me(options?: MeOptions): Promise<Me>;
  /**
   * Changes the password; the server revokes every login of the user and answers a new pair for this one, which the
   * caller stores. No idempotency key: the answer holds tokens, which the server never keeps for a replay.
   */
  changePassword(currentPassword: string, newPassword: string): Promise<TokenPair>;
  /** Deletes the account on the server, confirmed with its password. Does not touch local files; the command does. */
  deleteAccount(password: string): Promise<void>;
  /** Everything the server holds about the user. */
  exportAccount(): Promise<AccountExport>;
  /** Liveness, with a short timeout and no retries. */
  health(timeoutMs: number): Promise<Health>;
  listProducts(query: ProductQuery): Promise<ProductPage>;
  getProduct(sku: string, currency?: string): Promise<Product>;
  getCart(): Promise<Cart>;
  addItem(sku: string, quantity: number, idempotencyKey: string): Promise<Cart>;
  setItem(sku: string, quantity: number, idempotencyKey: string): Promise<Cart>;
  removeItem(sku: string, idempotencyKey: string): Promise<Cart>;
  clearCart(idempotencyKey: string): Promise<Cart>;
  /**
   * Places an order of the cart at `cartVersion` (sent as `If-Match`), guarded by `expect`: the lines and total the
   * user confirmed, so the order is refused with CART_CHANGED rather than placed at a price they did not see.
   */
  checkout(expect: NonNullable<CheckoutRequest['expect']>, cartVersion: number | undefined, idempotencyKey: string): Promise<Order>;
  listOrders(page: { limit?: number; offset?: number }): Promise<OrderPage>;
  getOrder(id: string): Promise<Order>;
  listPreferences(): Promise<Preferences>;
  getPreference(key: string): Promise<Preference>;
  setPreference(key: string, value: PreferenceValue, idempotencyKey: string): Promise<Preference>;
  deletePreference(key: string, idempotencyKey: string): Promise<void>;
  /**
   * Sends a device's queued changes (`POST /sync/push`), in order; the answer holds one result per change. Safe to
   * send again: the server applies each sequence number of a device once.
   */
  push(request: PushRequest): Promise<PushResponse>;
  /** Tells the server to forget this device (its logout, with nothing left queued). */
  forgetDevice(deviceId: string): Promise<void>;
  /** Releases kept-alive connections. */
  close(): Promise<void>;
}
