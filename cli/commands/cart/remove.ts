import { Command } from 'commander';

import { parseSku } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import type { ProjectedCart } from '../../offline/projection.js';
import { cartView } from '../../views/cart.js';
import { showChange } from '../show-result.js';

export interface CartRemoveOptions {
  deps: CommandDeps;
  sku: string;
}

export function cartRemoveCommand(deps: DepsProvider): Command {
  return new Command('remove').alias('rm')
    .description('remove a product from the cart')
    .argument('<sku>', 'the product, e.g. MUG-BLUE', parseSku)
    .action((sku: string) => cartRemoveRun({ deps: deps(), sku }));
}

export async function cartRemoveRun({ deps, sku }: CartRemoveOptions): Promise<void> {
  const { client } = deps.offline();
  const before = client.savedCart();
  const change = await deps.output.waitFor('Updating your cart…', client.changeCart({ kind: 'cart.remove', sku }));
  await showChange(deps.output, cartView, change, removedMessage(sku, before?.value, change.value));
}

/**
 * Only says "Removed" when there was a line to remove. The server bumps the cart's version only when a change did
 * something, so an unchanged version next to a saved copy without the line proves the removal did nothing.
 */
function removedMessage(sku: string, before: ProjectedCart | undefined, after: ProjectedCart): string {
  if (before === undefined) {
    return `${sku} is not in your cart.`;
  }
  if (before.lines.some((line) => line.sku === sku)) {
    return `Removed ${sku}.`;
  }
  return before.version === after.version ? `${sku} was not in your cart; nothing changed.` : `${sku} is not in your cart.`;
}
