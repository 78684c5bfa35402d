import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { type QueueListing, queueView } from '../../views/queue.js';

export interface QueueListOptions {
  deps: CommandDeps;
}

export function queueListCommand(deps: DepsProvider): Command {
  return new Command('list').alias('ls')
    .description('list the changes waiting to be sent to the server, then those it refused')
    .action(() => queueListRun({ deps: deps() }));
}

/** Reads the outbox only: works offline and logged out, and never loads undici. */
export async function queueListRun({ deps }: QueueListOptions): Promise<void> {
  const server = deps.server().url;
  const { outbox } = deps.offline();
  const state = outbox.read();
  const listing: QueueListing = {
    server,
    pending: state.pending.filter((entry) => entry.server === server),
    failed: state.failed.filter((entry) => entry.server === server),
    elsewhere: [...state.pending, ...state.failed].filter((entry) => entry.server !== server).length,
  };
  if (listing.elsewhere > 0) {
    await deps.output.info(`${listing.elsewhere} more queued for other servers; list them with --server URL.`);
  }
  await deps.output.show(queueView, listing);
}
