import { Command } from 'commander';

import { parseSku } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { productView } from '../../views/products.js';
import { showRead } from '../show-result.js';
import { preferredCurrency } from './preferred-currency.js';

export interface ProductShowOptions {
  deps: CommandDeps;
  sku: string;
}

export function productShowCommand(deps: DepsProvider): Command {
  return new Command('show')
    .description('show one product')
    .argument('<sku>', 'the product, e.g. MUG-BLUE', parseSku)
    .action((sku: string) => productShowRun({ deps: deps(), sku }));
}

export async function productShowRun({ deps, sku }: ProductShowOptions): Promise<void> {
  const { client } = deps.offline();
  const read = await deps.output.waitFor('Fetching the product…', client.product(sku, preferredCurrency(deps)));
  await showRead(deps.output, productView, read);
}
