import type { ErrorCode } from '../../shared/errors.js';

/** The server answered, and said no. Carries the server's stable `code` and its message for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: ErrorCode | undefined,
    message: string,
    readonly requestId: string | undefined,
    /** Seconds from `Retry-After`, when the server sent one (429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * No valid credentials: none stored, the server answered 401 or 403, or the stored refresh token no longer works.
 * Always means "run `shop login`" (exit 4).
 */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';

  constructor(
    message: string,
    readonly server: string,
    /** The server's code when it answered, e.g. TOKEN_REVOKED or REFRESH_TOKEN_REUSED. */
    readonly code?: ErrorCode,
    /** True when the rejected token came from `SHOP_TOKEN`, so logging in again will not help until it is unset. */
    readonly fromEnv = false,
  ) {
    super(message);
  }
}

/** `busy`: 409 IDEMPOTENCY_IN_FLIGHT, an earlier attempt of the same change is still being processed. */
export type UnreachableReason = 'refused' | 'reset' | 'timeout' | 'dns' | 'unavailable' | 'busy' | 'network';

/**
 * The request may never have reached the server, or the server could not handle it right now: connection refused or
 * reset, a timeout, a failed DNS lookup, 502/503/504, or an earlier attempt of the same change still in flight. Kept
 * apart from {@link ApiError} because the answer to it is "try again later" — which is what the outbox does with a
 * change that fails this way.
 */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
  /** How long the server asked to wait, when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly url: string,
    readonly reason: UnreachableReason,
    /** What went wrong, without the server's name: `connection refused`. */
    readonly detail: string,
    options?: { cause?: unknown; retryAfterSeconds?: number | undefined },
  ) {
    super(`cannot reach the shop server at ${url}: ${detail}`, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
