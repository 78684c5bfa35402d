import { Command, InvalidArgumentError } from 'commander';

import { MAX_ORDER_PAGE } from '../../../shared/limits.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { orderPageView } from '../../views/orders.js';

export interface OrdersListOptions {
  deps: CommandDeps;
  limit?: number | undefined;
  offset?: number | undefined;
}

function parseCount(max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number > max) {
      throw new InvalidArgumentError(`must be a whole number from 0 to ${max}`);
    }
    return number;
  };
}

export function ordersListCommand(deps: DepsProvider, run = ordersListRun): Command {
  return new Command('list')
    .description('list your orders, newest first')
    .option('--limit <n>', `how many (1-${MAX_ORDER_PAGE}, default 20)`, parseCount(MAX_ORDER_PAGE))
    .option('--offset <n>', 'skip this many', parseCount(1_000_000))
    .action((options: { limit?: number; offset?: number }) => run({ deps: deps(), limit: options.limit, offset: options.offset }));
}

export async function ordersListRun({ deps, limit, offset }: OrdersListOptions): Promise<void> {
  const page = await deps.output.waitFor('Fetching your orders…', deps.api().listOrders({ limit, offset }));
  await deps.output.show(orderPageView, page);
}
