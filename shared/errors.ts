/**
 * Stable machine-readable error codes. Every error body the server sends carries one of these in `code`, and the CLI
 * branches on them — never on `message`, which is for people and may change.
 */
export const ErrorCode = {
  /** A param, query or payload failed validation (wrong type, missing or unknown field). */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** The request body is not valid JSON. */
  INVALID_JSON: 'INVALID_JSON',
  /** The request body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The request body has a content type the route does not take. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** No route matches the method and path. */
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  /** The path exists but not with this method; `Allow` names the methods it takes. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The request body did not arrive within the body timeout. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** The request's headers are larger than the server reads. */
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  /** The database has no room to write (disk full): reads still work; writes are refused until space is freed. */
  STORAGE_FULL: 'STORAGE_FULL',
  /** The route needs an access token and none was sent. */
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  /** The access token is past its `exp`. Refresh it. */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** The access token was valid but has been revoked (logout-all or the user is gone). Log in again. */
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  /** The access token is malformed, forged, or fails a claim check. */
  TOKEN_INVALID: 'TOKEN_INVALID',
  /** Email and password do not match an account. Deliberately says no more than that. */
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  /** The current password given to confirm an account change (new password, deletion) is wrong. */
  PASSWORD_INCORRECT: 'PASSWORD_INCORRECT',
  /** The refresh token is unknown, expired or revoked. */
  REFRESH_TOKEN_INVALID: 'REFRESH_TOKEN_INVALID',
  /** An already-rotated refresh token was presented again; its whole family is now revoked. */
  REFRESH_TOKEN_REUSED: 'REFRESH_TOKEN_REUSED',
  /** The authenticated user may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** A guest may not do this (place or list orders, change a password it does not have): register or log in first. */
  GUEST_NOT_ALLOWED: 'GUEST_NOT_ALLOWED',
  /**
   * The token is a guest's whose guest no longer exists: removed after being idle too long, or merged into an account
   * at login or registration. Its cart went with it (or into the account); start again as a guest or log in.
   */
  GUEST_EXPIRED: 'GUEST_EXPIRED',
  /** An account with this email already exists. */
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  /** No active product has this SKU. */
  SKU_NOT_FOUND: 'SKU_NOT_FOUND',
  /** A line quantity is outside what the cart allows. */
  QUANTITY_LIMIT: 'QUANTITY_LIMIT',
  /** The cart already holds the maximum number of lines. */
  CART_TOO_LARGE: 'CART_TOO_LARGE',
  /** `If-Match` named a version that is not the current one. */
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  /** `If-Match` is required here (checkout: the order must be of the cart the client saw) and was not sent. */
  PRECONDITION_REQUIRED: 'PRECONDITION_REQUIRED',
  /** Checkout of a cart without lines. */
  CART_EMPTY: 'CART_EMPTY',
  /** Checkout of lines the shop cannot supply; `details.lines` says which, and how many are left. */
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  /** The user has no order with this id. */
  ORDER_NOT_FOUND: 'ORDER_NOT_FOUND',
  /** A checkout's `expect` (the lines and total the user confirmed) is not what the cart holds now; `details` says what differs. */
  CART_CHANGED: 'CART_CHANGED',
  /** The user has no preference with this key. */
  PREFERENCE_NOT_FOUND: 'PREFERENCE_NOT_FOUND',
  /** The preference value is not allowed for its key. */
  PREFERENCE_INVALID: 'PREFERENCE_INVALID',
  /** The user already has the maximum number of preferences. */
  PREFERENCES_LIMIT: 'PREFERENCES_LIMIT',
  /** The same Idempotency-Key was sent with a different request. */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** A request with this Idempotency-Key is still being processed. */
  IDEMPOTENCY_IN_FLIGHT: 'IDEMPOTENCY_IN_FLIGHT',
  /**
   * The server does not know this device (logged out, or evicted as the least recently seen of too many), yet the device
   * says it has sent changes before: the server cannot tell which of them were applied, so it applies none blindly.
   */
  DEVICE_UNKNOWN: 'DEVICE_UNKNOWN',
  /** Too many attempts; see `Retry-After`. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The server cannot reach its database, or is shutting down. Safe to retry later. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** A bug on the server. The body never carries details. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status each code is sent with. One table, so server and CLI agree. */
export const errorStatus: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  STORAGE_FULL: 503,
  AUTH_REQUIRED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  TOKEN_INVALID: 401,
  INVALID_CREDENTIALS: 401,
  PASSWORD_INCORRECT: 422,
  REFRESH_TOKEN_INVALID: 401,
  REFRESH_TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  GUEST_NOT_ALLOWED: 403,
  GUEST_EXPIRED: 401,
  EMAIL_TAKEN: 409,
  SKU_NOT_FOUND: 404,
  QUANTITY_LIMIT: 422,
  CART_TOO_LARGE: 422,
  PRECONDITION_FAILED: 412,
  PRECONDITION_REQUIRED: 428,
  CART_EMPTY: 422,
  OUT_OF_STOCK: 409,
  ORDER_NOT_FOUND: 404,
  CART_CHANGED: 409,
  PREFERENCE_NOT_FOUND: 404,
  PREFERENCE_INVALID: 422,
  PREFERENCES_LIMIT: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_IN_FLIGHT: 409,
  DEVICE_UNKNOWN: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The one shape of every error response body. */
export interface ErrorBody {
  /** The HTTP status, repeated so a body read from a log is self-describing. */
  statusCode: number;
  /** The HTTP reason phrase, e.g. "Not Found". */
  error: string;
  /** A stable machine code from {@link ErrorCode}. */
  code: ErrorCode;
  /** A one-line explanation for people. */
  message: string;
  /** Machine-readable particulars of some refusals (e.g. `OUT_OF_STOCK`'s lines); absent otherwise. */
  details?: unknown;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorStatus, value);
}

/** Type guard for a parsed JSON body that has the standard error shape. */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const body = value as Record<string, unknown>;
  return typeof body.statusCode === 'number' && isErrorCode(body.code) && typeof body.message === 'string';
}
