import { describeOp } from '../offline/ops.js';
import type { View } from './view.js';
import type { FailedEntry, OutboxEntry } from '../store/outbox.js';
import type { QueueListing } from './queue-listing.js';

export type { QueueListing } from './queue-listing.js';

function entryJson(entry: OutboxEntry) {
  return {
    id: entry.id,
    command: describeOp(entry.op),
    op: entry.op,
    email: entry.email,
    userId: entry.userId,
    queuedAt: entry.queuedAt,
    idempotencyKey: entry.key,
  };
}

function failedJson(entry: FailedEntry) {
  return { ...entryJson(entry), failedAt: entry.failedAt, status: entry.status, code: entry.code, reason: entry.reason };
}

/**
 * `shop queue`. Plain lines are `ID  STATE  QUEUED_AT  EMAIL  COMMAND  CODE  REASON`, STATE being `pending` (in the
 * order they will be sent) or `failed`; the last two are empty for a pending change.
 */
export const queueView: View<QueueListing> = {
  json: (listing) => ({
    server: listing.server,
    pending: listing.pending.map(entryJson),
    failed: listing.failed.map(failedJson),
  }),
  plain: (listing) => [
    ...listing.pending.map((entry) => [entry.id, 'pending', entry.queuedAt, entry.email, describeOp(entry.op), null, null]),
    ...listing.failed.map((entry) => [entry.id, 'failed', entry.queuedAt, entry.email, describeOp(entry.op), entry.code, entry.reason]),
  ],
  ink: (listing, ui, theme) => ui.h(ui.QueueView, { listing, theme }),
};

/** `shop queue retry` and `shop queue drop`: the entries moved or dropped, with `--json`; a message otherwise. */
export const queueChangeView: View<{ action: 'retried' | 'dropped'; entries: OutboxEntry[] }> = {
  json: ({ action, entries }) => ({ [action]: entries.map(entryJson) }),
  plain: () => [],
};
