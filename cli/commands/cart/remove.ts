import { Command } from 'commander';

import { parseSku } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { cartView } from '../../views/cart.js';
import { showChange } from '../show-result.js';

export interface CartRemoveOptions {
  deps: CommandDeps;
  sku: string;
}

export function cartRemoveCommand(deps: DepsProvider): Command {
  return new Command('remove')
    .description('remove a product from the cart')
    .argument('<sku>', 'the product, e.g. MUG-BLUE', parseSku)
    .action((sku: string) => cartRemoveRun({ deps: deps(), sku }));
}

export async function cartRemoveRun({ deps, sku }: CartRemoveOptions): Promise<void> {
  const { client } = deps.offline();
  const change = await deps.output.waitFor('Updating your cart…', client.changeCart({ kind: 'cart.remove', sku }));
  await showChange(deps.output, cartView, change, `Removed ${sku}.`);
}
