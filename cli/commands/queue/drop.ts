import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { UserError } from '../../errors.js';
import { describeOp } from '../../offline/ops.js';
import { queueChangeView } from '../../views/queue.js';
import { parseQueueId } from './ids.js';

export interface QueueDropOptions {
  deps: CommandDeps;
  id: number;
}

export function queueDropCommand(deps: DepsProvider): Command {
  return new Command('drop').alias('rm')
    .description('forget a queued or refused change; it will never be sent')
    .argument('<id>', 'the change to drop, as shop queue shows it', parseQueueId)
    .action((id: number) => queueDropRun({ deps: deps(), id }));
}

/**
 * Dropping a pending change only stops it being sent from now on: if an earlier attempt reached the server before
 * its connection failed, the server has applied it already.
 */
export async function queueDropRun({ deps, id }: QueueDropOptions): Promise<void> {
  const { outbox } = deps.offline();
  const dropped = await outbox.drop(id);
  if (dropped === undefined) {
    throw new UserError(`no queued change #${id}; see \`shop queue\``);
  }
  await deps.output.info(`Dropped #${id} ${describeOp(dropped.op)}.`);
  await deps.output.show(queueChangeView, { action: 'dropped', entries: [dropped] });
}
