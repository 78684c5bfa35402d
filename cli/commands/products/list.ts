import { Command } from 'commander';

import { DEFAULT_PRODUCT_PAGE } from '../../../shared/limits.js';
import { parseLimit, parseOffset, parseQuery } from '../../args.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { usageError } from '../../errors.js';
import { productPageView } from '../../views/products.js';
import { showRead } from '../show-result.js';
import { preferredCurrency } from './preferred-currency.js';
import { productShowCommand } from './show.js';

export interface ProductsListOptions {
  deps: CommandDeps;
  query: string | undefined;
  limit: number | undefined;
  offset: number | undefined;
}

/** `shop products [QUERY]` lists or searches; `shop products show SKU` is its subcommand. */
export function productsCommand(deps: DepsProvider): Command {
  return new Command('products')
    .description('list or search the catalogue; shop products show SKU for one product')
    .argument('[query...]', 'words to search names and descriptions for (all of them, quoted or not)')
    .option('-l, --limit <n>', `how many to show, 1-100 (default ${DEFAULT_PRODUCT_PAGE})`, parseLimit)
    .option('--offset <n>', 'how many to skip, for the next page', parseOffset)
    .action((words: string[], options: { limit?: number; offset?: number }) =>
      productsListRun({ deps: deps(), query: searchWords(words), limit: options.limit, offset: options.offset }),
    )
    .addCommand(productShowCommand(deps));
}

/** `shop products enamel mug` searches for both words, as `shop products "enamel mug"` does. */
function searchWords(words: readonly string[]): string | undefined {
  const query = words.join(' ').trim();
  if (query === '') {
    return undefined;
  }
  try {
    return parseQuery(query);
  } catch (error) {
    throw usageError((error as Error).message.replace(/\.$/, ''));
  }
}

export async function productsListRun({ deps, query, limit, offset }: ProductsListOptions): Promise<void> {
  const { client } = deps.offline();
  const currency = preferredCurrency(deps);
  const read = await deps.output.waitFor('Fetching products…', client.products({ query: query?.trim() || undefined, limit, offset, currency }));
  await showRead(deps.output, productPageView, read);
}
