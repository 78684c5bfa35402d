import type { FailedEntry, OutboxEntry } from '../store/outbox.js';

/** What `shop queue` lists: the changes queued for one server, by any user. */
export interface QueueListing {
  server: string;
  pending: OutboxEntry[];
  failed: FailedEntry[];
  /** Changes queued for other servers, which `--server` would list. */
  elsewhere: number;
}
