import type { ApiClient } from '../api/client.js';
import type { Output } from '../output.js';
import type { FileLockOptions } from '../store/file-lock.js';
import { Outbox } from '../store/outbox.js';
import { SnapshotCache } from '../store/snapshot-cache.js';
import type { CurrentAccount } from './accounts.js';
import { syncNotices } from './notices.js';
import { OfflineFirstClient } from './offline-first-client.js';

/** The outbox, the saved copies, and the client that works with both. */
export interface Offline {
  client: OfflineFirstClient;
  outbox: Outbox;
  cache: SnapshotCache;
}

export interface OfflineOptions {
  directory: string;
  lock: FileLockOptions;
  api: () => ApiClient;
  syncApi: () => ApiClient;
  account: () => CurrentAccount | undefined;
  requireAccount: () => CurrentAccount;
  server: () => string;
  online: boolean;
  now: () => number;
  output: Output;
  debug: (line: string) => void;
  confirmResend: (pending: number) => Promise<boolean>;
}

/**
 * The offline side of `shop`, put together when a command first needs it. (Its modules are imported statically, like
 * the rest of the CLI: a dynamic import would be cheaper at start-up for `shop config`, but under the test runner it
 * loads second copies of shared modules, and an error class from one copy is not `instanceof` the other.)
 */
export function createOffline(options: OfflineOptions): Offline {
  const outbox = new Outbox(options.directory, options.lock);
  const cache = new SnapshotCache(options.directory, options.lock);
  const client = new OfflineFirstClient({
    ...options,
    outbox,
    cache,
    onAutoSync: async (report) => {
      for (const line of syncNotices(report, { quiet: true })) {
        await options.output.info(line);
      }
    },
  });
  return { client, outbox, cache };
}
