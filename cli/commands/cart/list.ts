import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { cartView } from '../../views/cart.js';
import { showRead } from '../show-result.js';

export interface CartListOptions {
  deps: CommandDeps;
}

export function cartListCommand(deps: DepsProvider): Command {
  return new Command('list').alias('ls')
    .description('show the cart with line totals and subtotal (the saved copy when the server cannot be reached)')
    .action(() => cartListRun({ deps: deps() }));
}

export async function cartListRun({ deps }: CartListOptions): Promise<void> {
  const { client } = deps.offline();
  const read = await deps.output.waitFor('Fetching your cart…', client.cart());
  await showRead(deps.output, cartView, read);
}
