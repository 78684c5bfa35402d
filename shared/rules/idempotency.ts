import { type Refusal, refusals } from './refusals.js';

/** What is stored under an Idempotency-Key, as far as the claim decision needs it. */
export interface StoredKey {
  fingerprint: string;
  /** Whether the response was recorded; a claim committed without one cannot be replayed. */
  complete: boolean;
  /** Epoch milliseconds after which the key may be claimed afresh. */
  expiresAt: number;
}

export type ClaimDecision =
  /** The key is free (never used, or its record expired): run the request and record its response. */
  | { kind: 'new' }
  /** The same request already ran: answer with its stored response. */
  | { kind: 'replay' }
  | { kind: 'refuse'; refusal: Refusal; reason: 'mismatch' | 'in_flight' };

/** Decides what a request carrying an Idempotency-Key does, given what is stored under the key (if anything). */
export function decideClaim(stored: StoredKey | undefined, fingerprint: string, now: number): ClaimDecision {
  if (stored === undefined || stored.expiresAt <= now) {
    return { kind: 'new' };
  }
  if (stored.fingerprint !== fingerprint) {
    return { kind: 'refuse', refusal: refusals.idempotencyKeyReused(), reason: 'mismatch' };
  }
  if (!stored.complete) {
    return { kind: 'refuse', refusal: refusals.idempotencyInFlight(), reason: 'in_flight' };
  }
  return { kind: 'replay' };
}
