import { Command } from 'commander';

import type { Cart } from '../../../shared/wire.js';
import { parseAddQuantity, parseSkuOrStdin } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { usageError } from '../../errors.js';
import { sanitize } from '../../format.js';
import { cartView } from '../../views/cart.js';
import { becomeGuestIfLoggedOut } from '../auth/guest.js';
import { showChange } from '../show-result.js';
import { cartAddLinesRun } from './add-lines.js';

export interface CartAddOptions {
  deps: CommandDeps;
  sku: string;
  quantity: number;
}

export function cartAddCommand(deps: DepsProvider): Command {
  return new Command('add')
    .description('add a product to the cart, or with - add "SKU [QTY]" lines read from stdin')
    .argument('<sku>', 'the product, e.g. MUG-BLUE; - reads lines from stdin', parseSkuOrStdin)
    .argument('[quantity]', 'how many to add, 1-99 (default 1)', parseAddQuantity)
    .action((sku: string, quantity: number | undefined) => {
      if (sku !== '-') {
        return cartAddRun({ deps: deps(), sku, quantity: quantity ?? 1 });
      }
      if (quantity !== undefined) {
        throw usageError('with -, quantities come from the lines on stdin ("SKU [QTY]"), not from arguments');
      }
      return cartAddLinesRun({ deps: deps() });
    });
}

export async function cartAddRun({ deps, sku, quantity }: CartAddOptions): Promise<void> {
  await becomeGuestIfLoggedOut(deps);
  const { client } = deps.offline();
  const change = await deps.output.waitFor('Adding to your cart…', client.changeCart({ kind: 'cart.add', sku, quantity }));
  await showChange(deps.output, cartView, change, `Added ${quantity} × ${sku}.`);
  // Adding never reserves stock: the server says when the line holds more than there is, and checkout will refuse it.
  const { warnings } = change.value as Partial<Pick<Cart, 'warnings'>>;
  for (const warning of warnings ?? []) {
    await deps.output.info(`warning: ${sanitize(warning.message)}`);
  }
}
