import type { ClaimResult } from './store.js';

/** An `idempotency_keys` row as either driver returns it; only the time columns differ (Date vs epoch ms). */
export interface IdempotencyRow<Time> {
  scope: string;
  key: string;
  fingerprint: string;
  status: number | null;
  body: string | null;
  headers: string | null;
  created_at: Time;
  expires_at: Time;
}

/** What a claim that did not take the key found in its row: the same decision in both dialects. */
export function claimResultFromRow<Time>(row: IdempotencyRow<Time>, fingerprint: string, toDate: (time: Time) => Date): ClaimResult {
  if (row.fingerprint !== fingerprint) {
    return { status: 'mismatch' };
  }
  if (row.status === null || row.body === null || row.headers === null) {
    // Claimed but never completed: only a transaction that committed without calling complete() leaves this.
    return { status: 'in_flight' };
  }
  return {
    status: 'replay',
    record: {
      scope: row.scope,
      key: row.key,
      fingerprint: row.fingerprint,
      status: row.status,
      body: row.body,
      headers: JSON.parse(row.headers) as Record<string, string>,
      createdAt: toDate(row.created_at),
      expiresAt: toDate(row.expires_at),
    },
  };
}
