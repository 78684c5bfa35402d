import { decideClaim } from '../../shared/rules/idempotency.js';
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

/**
 * What a claim finds, given the row stored under the key (if any): the decision is shared/rules' `decideClaim`, the
 * same in both dialects; this only reads the row for it and builds the record a replay sends.
 */
export function claimResultFromRow<Time>(
  row: IdempotencyRow<Time> | undefined,
  fingerprint: string,
  now: Date,
  toDate: (time: Time) => Date,
): ClaimResult {
  const stored = row && {
    fingerprint: row.fingerprint,
    // Claimed but never completed: only a transaction that committed without calling complete() leaves this.
    complete: row.status !== null && row.body !== null && row.headers !== null,
    expiresAt: toDate(row.expires_at).getTime(),
  };
  const decision = decideClaim(stored, fingerprint, now.getTime());
  switch (decision.kind) {
    case 'new':
      return { status: 'claimed' };
    case 'refuse':
      return { status: decision.reason };
    case 'replay': {
      const record = row as IdempotencyRow<Time> & { status: number; body: string; headers: string };
      return {
        status: 'replay',
        record: {
          scope: record.scope,
          key: record.key,
          fingerprint: record.fingerprint,
          status: record.status,
          body: record.body,
          headers: JSON.parse(record.headers) as Record<string, string>,
          createdAt: toDate(record.created_at),
          expiresAt: toDate(record.expires_at),
        },
      };
    }
  }
}
