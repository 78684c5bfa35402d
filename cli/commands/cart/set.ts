import { Command } from 'commander';

import { parseSetQuantity, parseSku } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { cartView } from '../../views/cart.js';
import { showChange } from '../show-result.js';

export interface CartSetOptions {
  deps: CommandDeps;
  sku: string;
  quantity: number;
}

export function cartSetCommand(deps: DepsProvider): Command {
  return new Command('set')
    .description('set how many of a product the cart holds (0 removes it)')
    .argument('<sku>', 'the product, e.g. MUG-BLUE', parseSku)
    .argument('<quantity>', 'the new quantity, 0-99', parseSetQuantity)
    .action((sku: string, quantity: number) => cartSetRun({ deps: deps(), sku, quantity }));
}

export async function cartSetRun({ deps, sku, quantity }: CartSetOptions): Promise<void> {
  const { client } = deps.offline();
  const change = await deps.output.waitFor('Updating your cart…', client.changeCart({ kind: 'cart.set', sku, quantity }));
  await showChange(deps.output, cartView, change, quantity === 0 ? `Removed ${sku}.` : `Set ${sku} to ${quantity}.`);
}
