import { Command } from 'commander';

import type { CommandDeps, DepsProvider } from '../../deps.js';
import { usageError } from '../../errors.js';
import { cartView } from '../../views/cart.js';
import { showChange } from '../show-result.js';

export interface CartClearOptions {
  deps: CommandDeps;
  yes: boolean;
}

export function cartClearCommand(deps: DepsProvider): Command {
  return new Command('clear')
    .description('empty the cart (asks first on a terminal)')
    .option('-y, --yes', 'do not ask; required when not on a terminal')
    .action((options: { yes?: boolean }) => cartClearRun({ deps: deps(), yes: options.yes === true }));
}

export async function cartClearRun({ deps, yes }: CartClearOptions): Promise<void> {
  if (!yes) {
    if (!deps.prompt.interactive) {
      throw usageError('shop cart clear empties the cart; pass --yes to confirm when not running on a terminal');
    }
    if (!(await deps.prompt.confirm('Remove everything from your cart?'))) {
      await deps.output.info('Left the cart as it was.');
      return;
    }
  }
  const { client } = deps.offline();
  const change = await deps.output.waitFor('Clearing your cart…', client.changeCart({ kind: 'cart.clear' }));
  await showChange(deps.output, cartView, change, 'Cleared the cart.');
}
