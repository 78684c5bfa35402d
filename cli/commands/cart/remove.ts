import { Command } from 'commander';

import { parseSku } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { cartView } from '../../views/cart.js';

export interface CartRemoveOptions {
  deps: CommandDeps;
  sku: string;
}

export function cartRemoveCommand(deps: DepsProvider, run = cartRemoveRun): Command {
  return new Command('remove')
    .description('remove a product from the cart')
    .argument('<sku>', 'the product, e.g. MUG-BLUE', parseSku)
    .action((sku: string) => run({ deps: deps(), sku }));
}

export async function cartRemoveRun({ deps, sku }: CartRemoveOptions): Promise<void> {
  const cart = await deps.output.waitFor('Updating your cart…', deps.api().removeItem(sku));
  await deps.output.info(`Removed ${sku}.`);
  await deps.output.show(cartView, cart);
}
