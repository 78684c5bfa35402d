import { type ErrorCode, errorStatus } from '../../shared/errors.js';
import type { Refusal } from '../../shared/rules/refusals.js';

/**
 * An expected failure with a stable code. The domain throws these; one `onPreResponse` extension in server.ts turns
 * them into the standard error body. The HTTP status comes from the shared table, so the domain never names one.
 */
export class ShopError extends Error {
  override readonly name = 'ShopError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
    /** Sent as the error body's `details`. */
    readonly details?: unknown,
  ) {
    super(message);
    this.status = errorStatus[code];
  }
}

/** A refusal of the shared rules, thrown as the error the server answers with. */
export function refused(refusal: Refusal, headers: Readonly<Record<string, string>> = {}): ShopError {
  return new ShopError(refusal.code, refusal.message, headers, refusal.details);
}

/** 403 `GUEST_NOT_ALLOWED`: what a guest asked for is an account's (`what` says what, in a few words). */
export function guestRefusal(what: string): ShopError {
  return new ShopError('GUEST_NOT_ALLOWED', `A guest cannot ${what}: register or log in (the guest's cart comes along)`);
}
