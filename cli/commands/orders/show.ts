import { Command, InvalidArgumentError } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { orderView } from '../../views/orders.js';
import { refuseGuest } from '../auth/guest.js';

export interface OrderShowOptions {
  deps: CommandDeps;
  id: string;
}

function parseOrderId(value: string): string {
  const id = value.trim().toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) {
    throw new InvalidArgumentError('an order id is a UUID, as `shop orders` lists them');
  }
  return id;
}

export function orderShowCommand(deps: DepsProvider): Command {
  return new Command('show')
    .description('show one order with its lines')
    .argument('<id>', 'the order id, from `shop orders`', parseOrderId)
    .action((id: string) => orderShowRun({ deps: deps(), id }));
}

export async function orderShowRun({ deps, id }: OrderShowOptions): Promise<void> {
  // Orders are an account's: a guest is told to register or log in before anything is sent or queued.
  refuseGuest(deps);
  const order = await deps.output.waitFor('Fetching the order…', deps.api().getOrder(id));
  await deps.output.show(orderView, order);
}
