import { claimResultFromRow } from './idempotency-claim.js';
import type { PendingClaim, SqliteIdempotencyRecords, Synchronous } from './sqlite-queries.js';
import type { IdempotencyStore } from './store.js';

const internals = {
  /** Keys are visible ASCII (IDEMPOTENCY_KEY_PATTERN), so a newline cannot occur in either part. */
  name(scope: string, key: string): string {
    return `${scope}\n${key}`;
  },
};

/**
 * The idempotency store of one SQLite transaction. The transaction holds the database's only write lock from BEGIN
 * IMMEDIATE to COMMIT, so no other transaction — in this process or another — can claim a key before this one ends.
 * So a claim only reads: when the key is new or its record expired, it remembers what it claimed, and `complete`
 * writes the whole record in one statement. Others see the key, the mutation and the response together, at COMMIT,
 * or not at all. (Postgres has no such lock: there the claim is an INSERT that holds the key's row.)
 */
export function transactionIdempotency(records: SqliteIdempotencyRecords): Synchronous<IdempotencyStore> {
  const claimed = new Map<string, PendingClaim>();
  return {
    claim(scope, key, fingerprint, now, expiresAt) {
      const result = claimResultFromRow(records.find(scope, key), fingerprint, now, (time) => new Date(time));
      if (result.status !== 'claimed') {
        return result;
      }
      claimed.set(internals.name(scope, key), { fingerprint, createdAt: now.getTime(), expiresAt: expiresAt.getTime() });
      return { status: 'claimed' };
    },
    complete(scope, key, response) {
      const name = internals.name(scope, key);
      const claim = claimed.get(name);
      if (claim === undefined) {
        throw new Error('idempotency.complete() found no claimed key to complete; claim it in the same transaction first');
      }
      claimed.delete(name);
      records.put(scope, key, claim, response);
    },
    deleteExpired(before) {
      return records.deleteExpired(before);
    },
    trim(scope, keep) {
      return records.trim(scope, keep);
    },
  };
}
