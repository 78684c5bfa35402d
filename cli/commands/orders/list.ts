import { Command } from 'commander';

import { MAX_ORDER_PAGE } from '../../../shared/limits.js';
import { parseLimit, parseOffset } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { orderPageView } from '../../views/orders.js';
import { refuseGuest } from '../auth/guest.js';

export interface OrdersListOptions {
  deps: CommandDeps;
  limit?: number | undefined;
  offset?: number | undefined;
}

export function ordersListCommand(deps: DepsProvider): Command {
  return new Command('list')
    .description('list your orders, newest first')
    .option('-l, --limit <n>', `how many to show, 1-${MAX_ORDER_PAGE} (default 20)`, parseLimit)
    .option('--offset <n>', 'how many to skip, for the next page', parseOffset)
    .action((options: { limit?: number; offset?: number }) => ordersListRun({ deps: deps(), limit: options.limit, offset: options.offset }));
}

export async function ordersListRun({ deps, limit, offset }: OrdersListOptions): Promise<void> {
  // Orders are an account's: a guest is told to register or log in before anything is sent or queued.
  refuseGuest(deps);
  const page = await deps.output.waitFor('Fetching your orders…', deps.api().listOrders({ limit, offset }));
  await deps.output.show(orderPageView, page);
}
