import type { Command } from 'commander';

import type { DepsProvider } from '../../deps.js';
import { commandGroup } from '../group.js';
import { queueDropCommand } from './drop.js';
import { queueListCommand, queueListRun } from './list.js';
import { queueRetryCommand } from './retry.js';

/** `shop queue …`; bare `shop queue` lists it. */
export function queueCommand(deps: DepsProvider): Command {
  return commandGroup('queue', 'show, retry or drop changes queued while offline (shop queue = shop queue list)', () =>
    queueListRun({ deps: deps() }),
  )
    .addCommand(queueListCommand(deps))
    .addCommand(queueRetryCommand(deps))
    .addCommand(queueDropCommand(deps));
}
