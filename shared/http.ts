/** Route paths and header names shared by the server's routes and the CLI's client. */

export const Paths = {
  register: '/auth/register',
  login: '/auth/login',
  /** `POST`: tokens for a new guest (no email, no password). */
  guest: '/auth/guest',
  refresh: '/auth/refresh',
  logout: '/auth/logout',
  me: '/me',
  /** `POST`: change the password. */
  mePassword: '/me/password',
  /** `GET`: everything the server holds about the user. */
  meExport: '/me/export',
  products: '/products',
  product: (sku: string): string => `/products/${encodeURIComponent(sku)}`,
  cart: '/cart',
  cartItems: '/cart/items',
  cartItem: (sku: string): string => `/cart/items/${encodeURIComponent(sku)}`,
  orders: '/orders',
  order: (id: string): string => `/orders/${encodeURIComponent(id)}`,
  preferences: '/preferences',
  preference: (key: string): string => `/preferences/${encodeURIComponent(key)}`,
  /** `POST`: a device's queued changes, applied in order, each exactly once. */
  syncPush: '/sync/push',
  /** `DELETE`: forget a device, at its logout. */
  syncDevice: (deviceId: string): string => `/sync/devices/${encodeURIComponent(deviceId)}`,
  healthz: '/healthz',
  readyz: '/readyz',
  /** The public keys that verify access tokens, as a JSON Web Key Set (empty under HS256, whose key is secret). */
  jwks: '/.well-known/jwks.json',
  /** The OpenAPI 3 description of every route, generated from the route definitions. */
  openapi: '/openapi.json',
  /** Human-readable API documentation rendered from `openapi`. */
  docs: '/docs',
} as const;

export const Headers = {
  authorization: 'authorization',
  idempotencyKey: 'idempotency-key',
  idempotentReplayed: 'idempotent-replayed',
  ifMatch: 'if-match',
  etag: 'etag',
  requestId: 'x-request-id',
  retryAfter: 'retry-after',
  /** On a push answer: how many of its changes were repeats, applied before and not again now. */
  repeatedChanges: 'shop-repeated-changes',
} as const;

/** The `typ` header of an access token; anything else is refused, so other JWTs signed with the same key cannot pass. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Formats a cart version as the strong ETag the server sends and `If-Match` expects. */
export function cartETag(version: number): string {
  return `"${version}"`;
}

/**
 * Parses an `If-Match` value back to a cart version; `undefined` for `*` or anything that is not one of our strong
 * ETags (a weak `W/"3"` included: If-Match compares strongly, so the server refuses it before asking).
 */
export function parseCartETag(value: string): number | undefined {
  const match = /^"(\d{1,15})"$/.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}
