import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { cartView } from '../../views/cart.js';

export interface CartListOptions {
  deps: CommandDeps;
}

export function cartListCommand(deps: DepsProvider, run = cartListRun): Command {
  return new Command('list')
    .description('show the cart with line totals and subtotal')
    .action(() => run({ deps: deps() }));
}

export async function cartListRun({ deps }: CartListOptions): Promise<void> {
  const cart = await deps.output.waitFor('Fetching your cart…', deps.api().getCart());
  await deps.output.show(cartView, cart);
}
