import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { UserError } from '../../errors.js';
import { plural } from '../../offline/notices.js';
import { describeOp } from '../../offline/ops.js';
import type { Outbox } from '../../store/outbox.js';
import { newIdempotencyKey } from '../../unique-id.js';
import { queueChangeView } from '../../views/queue.js';
import { parseQueueId } from './ids.js';

export interface QueueRetryOptions {
  deps: CommandDeps;
  /** One failed change, or every failed change for the server when absent. */
  id: number | undefined;
}

export function queueRetryCommand(deps: DepsProvider): Command {
  return new Command('retry')
    .description('queue refused changes again (all of this server\'s, or just ID), to be sent by the next shop sync')
    .argument('[id]', 'the change to retry, as shop queue shows it', parseQueueId)
    .action((id: number | undefined) => queueRetryRun({ deps: deps(), id }));
}

export async function queueRetryRun({ deps, id }: QueueRetryOptions): Promise<void> {
  const server = deps.server().url;
  const { outbox } = deps.offline();
  const moved = await outbox.retry((entry) => (id === undefined ? entry.server === server : entry.id === id), newIdempotencyKey);
  if (moved.length === 0) {
    throw new UserError(id === undefined ? `no refused changes for ${server}` : notFailed(outbox, id));
  }
  for (const entry of moved) {
    await deps.output.info(`Queued #${entry.id} ${describeOp(entry.op)} again.`);
  }
  await deps.output.info(`${plural(moved.length, 'change')} will be sent by \`shop sync\`, or before the next command that reaches the server.`);
  await deps.output.show(queueChangeView, { action: 'retried', entries: moved });
}

function notFailed(outbox: Outbox, id: number): string {
  return outbox.read().pending.some((entry) => entry.id === id)
    ? `#${id} has not been refused; it is still waiting to be sent`
    : `no queued change #${id}; see \`shop queue\``;
}
