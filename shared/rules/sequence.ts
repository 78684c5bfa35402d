import { ErrorCode } from '../errors.js';
import { type Refusal, refusals } from './refusals.js';

/** What the server does with a device's change, given the last sequence it applied for the device. */
export type SequenceDecision =
  /** Newer than anything applied: apply it, and record its sequence in the same transaction. */
  | { kind: 'apply' }
  /** At or below the last applied: it was applied (or refused) before; answer with the current state, change nothing. */
  | { kind: 'repeat' }
  | { kind: 'refuse'; refusal: Refusal };

/** `lastApplied` is `null` when the server has no row for the device. */
export function decideSequence(lastApplied: number | null, seq: number): SequenceDecision {
  if (lastApplied === null) {
    return { kind: 'refuse', refusal: refusals.deviceUnknown() };
  }
  return seq <= lastApplied ? { kind: 'repeat' } : { kind: 'apply' };
}

/** Refusals that say "not now" rather than "never": retrying the same change later may succeed. */
const transientCodes: ReadonlySet<string> = new Set<ErrorCode>([
  ErrorCode.IDEMPOTENCY_IN_FLIGHT,
  ErrorCode.RATE_LIMITED,
  ErrorCode.SERVICE_UNAVAILABLE,
  ErrorCode.DEVICE_UNKNOWN,
  ErrorCode.AUTH_REQUIRED,
  ErrorCode.TOKEN_EXPIRED,
  ErrorCode.TOKEN_REVOKED,
  ErrorCode.TOKEN_INVALID,
  ErrorCode.FORBIDDEN,
]);

/**
 * Whether a refusal of a change is for good: a 4xx with one of the shop's codes that retrying cannot change. Such a
 * change still uses up its sequence number on the server, and moves to the client's failed list, so it never blocks
 * the changes queued behind it.
 */
export function isFinalRefusal(status: number, code: string | undefined): boolean {
  return code !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429 && !transientCodes.has(code);
}
