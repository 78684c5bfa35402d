/** JSON bodies exchanged between server and CLI. Money is always integer minor units plus an ISO 4217 code. */

/** `POST /auth/register` and `POST /auth/login`. */
export interface Credentials {
  email: string;
  password: string;
}

/** `POST /auth/register` → 201; `merge` when a guest's token came with it. */
export interface RegisteredUser {
  id: string;
  email: string;
  createdAt: string;
  merge?: GuestMergeReport;
}

/** `POST /auth/login` → 200: a token pair, and `merge` when a guest's token came with it. */
export interface LoginResponse extends TokenPair {
  merge?: GuestMergeReport;
}

/** `POST /auth/login` and `POST /auth/refresh` → 200. */
export interface TokenPair {
  /** A JWT to send as `Authorization: Bearer …`. */
  accessToken: string;
  /** An opaque string, good for one use at `POST /auth/refresh`. */
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until `accessToken` expires. */
  expiresIn: number;
}

/** `POST /auth/refresh`. */
export interface RefreshRequest {
  refreshToken: string;
}

/** `POST /auth/logout`: revoke `refreshToken`, or with `all` every token the user holds. */
export interface LogoutRequest {
  refreshToken?: string;
  all?: boolean;
}

/** `GET /me`. */
export interface Me {
  id: string;
  /** `null` for a guest. */
  email: string | null;
  /** A guest (`POST /auth/guest`): may use the catalogue, a cart and preferences, not orders. */
  guest: boolean;
  createdAt: string;
}

/** `POST /me/password` → 200 with a new {@link TokenPair}; every other login of the user is revoked. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** `DELETE /me` → 204: the account and everything naming it are deleted. */
export interface DeleteAccountRequest {
  password: string;
}

/**
 * `GET /me/export`: everything the server holds about the user, as one document. Never a password, hash or token.
 * New sections are added as the server comes to hold more (orders, devices); existing ones keep their shape.
 */
export interface AccountExport {
  format: 'shop-account-export';
  version: 1;
  exportedAt: string;
  account: { id: string; email: string; createdAt: string };
  cart: { version: number; lines: Array<{ sku: string; quantity: number; addedAt: string }> };
  preferences: Array<{ key: string; value: PreferenceValue; updatedAt: string }>;
  /** One entry per refresh token issued; `login` groups those rotated from one login. */
  sessions: Array<{ login: string; createdAt: string; expiresAt: string; usedAt: string | null; revokedAt: string | null }>;
  /** Changes sent with an Idempotency-Key, with the answer kept to replay (null for a 204). */
  requests: Array<{ idempotencyKey: string; status: number; response: unknown; createdAt: string; expiresAt: string }>;
  /** Failed logins still counted against the account, per client address. */
  failedLogins: Array<{ address: string; windowStart: string; failures: number }>;
  /** The look-alike key of the email (its UTS #39 skeleton) that keeps look-alike addresses from registering. */
  emailKeys: Array<{ skeleton: string }>;
  /** Orders placed, with their lines as ordered. They are kept (without the user) when the account is deleted. */
  orders: Array<{ id: string; state: OrderState; lines: OrderLine[]; subtotal: number; itemCount: number; currency: string; placedAt: string }>;
  /** Devices that sync queued changes: the last change the server applied from each, and when each was last seen. */
  devices: Array<{ deviceId: string; lastSequence: number; lastSeen: string }>;
}

export interface Product {
  sku: string;
  name: string;
  description: string;
  /** Minor units (cents for EUR/USD), in `currency`. */
  price: number;
  /** ISO 4217 code: the `?currency=` asked for when the product has a price in it, else the catalogue's default. */
  currency: string;
  /** Every price the product has: ISO 4217 code → minor units. Always holds the catalogue's default currency. */
  prices: Record<string, number>;
  active: boolean;
  /** Units in stock; `null` when the shop does not count them (unlimited). */
  stock: number | null;
}

/** `GET /products?q=&currency=&limit=&offset=`. */
export interface ProductPage {
  items: Product[];
  /** How many products match `q` in all. */
  total: number;
  limit: number;
  offset: number;
}

export interface CartLine {
  sku: string;
  name: string;
  quantity: number;
  /** Minor units. */
  unitPrice: number;
  /** `unitPrice × quantity`, minor units. */
  lineTotal: number;
  /** The product's whole price list, so a client can reprice the line offline when the currency preference changes. */
  prices: Record<string, number>;
}

/** Why the cart is in its currency (see shared/rules/pricing.ts). */
export interface CartCurrencyChoice {
  /** `preference`: the user's `currency`; `default`: no preference; `unpriced`: some lines have no price in it. */
  reason: 'preference' | 'default' | 'unpriced';
  /** The user's `currency` preference, `null` when unset. */
  preferred: string | null;
  /** SKUs with no price in `preferred` (when `reason` is `unpriced`). */
  unpriced: string[];
}

/** `GET /cart`, and the answer to every cart mutation. */
export interface Cart {
  lines: CartLine[];
  /** Sum of line totals, minor units. */
  subtotal: number;
  /** The user's `currency` preference when every line has a price in it, else the catalogue's default. */
  currency: string;
  /** Why `currency` is what it is. */
  currencyChoice: CartCurrencyChoice;
  /** Sum of quantities. */
  itemCount: number;
  /** Increases on every change; sent as the `ETag`. */
  version: number;
  /**
   * Only in the answer to `POST /cart/items`: the line now holds more than is in stock. Adding never reserves stock, so
   * this is a warning, not a refusal; checkout refuses with `OUT_OF_STOCK` if it still holds then.
   */
  warnings?: StockWarning[];
}

export interface StockWarning {
  code: 'EXCEEDS_STOCK';
  sku: string;
  /** What the line holds. */
  quantity: number;
  /** What is in stock now. */
  available: number;
  message: string;
}

/** `POST /cart/items`. */
export interface AddItemRequest {
  sku: string;
  quantity: number;
}

/** `PUT /cart/items/{sku}`. 0 removes the line. */
export interface SetItemRequest {
  quantity: number;
}

/** A preference value: any JSON scalar, or a string. */
export type PreferenceValue = string | number | boolean | null;

/** `GET /preferences`. */
export interface Preferences {
  preferences: Record<string, PreferenceValue>;
}

/** `GET|PUT /preferences/{key}`. */
export interface Preference {
  key: string;
  value: PreferenceValue;
}

/** `PUT /preferences/{key}`. */
export interface SetPreferenceRequest {
  value: PreferenceValue;
}

/** `GET /healthz`, `GET /readyz`. */
export interface Health {
  status: 'ok' | 'unavailable';
}

/** The catalogue's default currency: every product has a price in it, and a cart falls back to it. */
export const DEFAULT_CURRENCY = 'EUR';

/** A line of an order: what was ordered, at the price it had when the order was placed. */
export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  /** Minor units, as charged. */
  unitPrice: number;
  lineTotal: number;
}

/** No payment is taken: an order is `placed` when checkout succeeds. */
export type OrderState = 'placed';

/** `POST /orders` (201), `GET /orders/{id}`. */
export interface Order {
  id: string;
  state: OrderState;
  lines: OrderLine[];
  subtotal: number;
  currency: string;
  itemCount: number;
  /** ISO 8601. */
  placedAt: string;
}

/** `GET /orders?limit=&offset=`: newest first. */
export interface OrderPage {
  items: Order[];
  total: number;
  limit: number;
  offset: number;
}

/** A line as the user confirmed it at checkout. */
export interface ExpectedOrderLine {
  sku: string;
  quantity: number;
  unitPrice: number;
}

/**
 * `POST /orders` body. `expect` is the price guard: the order is placed only if the cart holds exactly these lines at
 * exactly this total, else `CART_CHANGED`. Offline checkouts always carry it; online it backs up `If-Match`, which says
 * nothing of prices.
 */
export interface CheckoutRequest {
  expect?: { lines: ExpectedOrderLine[]; subtotal: number; currency: string };
}

/** One difference `CART_CHANGED` reports: a line's quantity or price as confirmed, and as the cart has it now (`null`: no such line). */
export interface CartDifference {
  sku: string;
  expected: { quantity: number; unitPrice: number } | null;
  actual: { quantity: number; unitPrice: number } | null;
}

/**
 * A change to the server's state that a client can queue while offline and send later through `POST /sync/push`.
 * Plain data, so it can be written to the CLI's outbox and read back by another version of `shop`.
 */
export type ChangeOp =
  | { kind: 'cart.add'; sku: string; quantity: number }
  | { kind: 'cart.set'; sku: string; quantity: number }
  | { kind: 'cart.remove'; sku: string }
  | { kind: 'cart.clear' }
  | { kind: 'prefs.set'; key: string; value: PreferenceValue }
  | { kind: 'prefs.unset'; key: string }
  /** An offline checkout: the order of the cart as it is by then, placed only at exactly these lines and total (else CART_CHANGED). */
  | { kind: 'order.place'; expect: NonNullable<CheckoutRequest['expect']> };

/** One queued change in a push: numbered by its device, in the order it was queued. */
export interface PushChange {
  /** Positive; strictly increasing in queue order on one device (gaps allowed). */
  seq: number;
  op: ChangeOp;
  /**
   * The Idempotency-Key a change queued by an older `shop` (before sequences) was already sent with, if any: the server
   * checks it too, so a change sent that way and resent this way is still applied once.
   */
  key?: string;
}

/** `POST /sync/push`: a device's queued changes, applied in order, each in its own transaction. */
export interface PushRequest {
  deviceId: string;
  /**
   * `true` only while the device has never sent a push before. A device the server does not know that says `false` was
   * logged out or evicted: the push is refused with `DEVICE_UNKNOWN` rather than applied blindly.
   */
  firstPush: boolean;
  changes: PushChange[];
}

/** The state a change touched, as it is after the change (or, for a repeat, as it is now). */
export type ChangeAnswer =
  | { kind: 'cart'; cart: Cart }
  | { kind: 'preference'; preference: Preference }
  | { kind: 'preference-removed'; key: string }
  /** The order a queued checkout placed (it also emptied the cart). */
  | { kind: 'order'; order: Order };

/**
 * `answer` is left out when a later change of the same batch touched the same thing (the cart, or the same preference):
 * that one's answer is newer, and a batch of 100 cart changes need not carry 100 carts.
 */
export type PushResult =
  | { seq: number; outcome: 'applied'; answer?: ChangeAnswer }
  /** Applied (or refused) by an earlier push whose answer was lost: nothing changed now. */
  | { seq: number; outcome: 'repeat'; answer?: ChangeAnswer }
  /** Refused for good, with the error a single request would have got; the sequence is used up all the same. */
  | { seq: number; outcome: 'refused'; error: { status: number; code: string; message: string } };

export interface PushResponse {
  /** One per change, in order. */
  results: PushResult[];
}

/** `POST /auth/guest` → 201: tokens for a new guest, who may use the catalogue, a cart and preferences, not orders. */
export interface GuestSession extends TokenPair {
  guest: true;
}

/** A guest's cart line that went into the account's cart in full (new, or summed with the account's line). */
export interface MergedLine {
  sku: string;
  /** The guest's quantity. */
  quantity: number;
  /** The account's line after the merge. */
  total: number;
}

/** A guest's cart line that was summed past the line limit: the account's line now holds `kept`, not `wanted`. */
export interface CappedLine {
  sku: string;
  /** The account's quantity plus the guest's. */
  wanted: number;
  kept: number;
}

/** A guest's cart line that did not go into the account's cart at all, and why (a stable error code). */
export interface DroppedLine {
  sku: string;
  quantity: number;
  reason: 'CART_TOO_LARGE' | 'SKU_NOT_FOUND';
}

/** What a guest's merge into an account did; nothing of the guest is left out silently. */
export interface GuestMergeReport {
  /** The guest user that was merged and deleted. */
  guestId: string;
  added: MergedLine[];
  capped: CappedLine[];
  dropped: DroppedLine[];
  preferences: {
    /** Keys the account lacked and now has, with the guest's value. */
    filled: string[];
    /** Keys the account already had: its value stays, the guest's is discarded. */
    kept: string[];
    /** Keys the account lacked but had no room for (its preference limit). */
    dropped: string[];
  };
}

/**
 * Optional on `POST /auth/login` and `POST /auth/register`: the guest's access token. The guest's cart and preferences
 * are merged into the account, in the same transaction, and the guest is deleted; the answer carries `merge`.
 */
export interface GuestMergeRequest {
  guestToken?: string;
}
