import type { Command } from 'commander';

import type { DepsProvider } from '../../deps.js';
import { commandGroup } from '../group.js';
import { ordersListCommand, ordersListRun } from './list.js';
import { orderShowCommand } from './show.js';

/** `shop orders …`; bare `shop orders` lists them. */
export function ordersCommand(deps: DepsProvider): Command {
  return commandGroup('orders', 'your orders (shop orders = shop orders list)', () => ordersListRun({ deps: deps() }))
    .addCommand(ordersListCommand(deps))
    .addCommand(orderShowCommand(deps));
}
