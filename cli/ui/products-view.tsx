import { Box, Text } from 'ink';

import type { Product, ProductPage } from '../../shared/wire.js';
import { formatCount, formatMoney, sanitize } from '../format.js';
import { Table } from './table.js';
import { type Theme, tone } from './theme.js';

export interface ProductsViewProps {
  page: ProductPage;
  theme: Theme;
}

/** A page of the catalogue, and how to get the next one. */
export function ProductsView({ page, theme }: ProductsViewProps) {
  if (page.items.length === 0) {
    return <Text>{emptyPageMessage(page)}</Text>;
  }
  const first = page.offset + 1;
  const last = page.offset + page.items.length;
  const hasMore = last < page.total;
  return (
    <Box flexDirection="column">
      <Table
        theme={theme}
        columns={[{ header: 'SKU' }, { header: 'Name', flexible: true }, { header: 'Price', align: 'right' }]}
        rows={page.items.map((product) => [
          sanitize(product.sku),
          sanitize(product.name),
          formatMoney(product.price, product.currency, theme.locale),
        ])}
      />
      <Box marginTop={1}>
        <Text {...tone(theme, 'muted')}>
          {`Showing ${formatCount(first, theme.locale)}–${formatCount(last, theme.locale)} of ${formatCount(page.total, theme.locale)}.`}
          {hasMore ? ` Next page: --offset ${last}` : ''}
        </Text>
      </Box>
    </Box>
  );
}

export interface ProductViewProps {
  product: Product;
  theme: Theme;
}

/** One product, with its description. */
export function ProductView({ product, theme }: ProductViewProps) {
  return (
    <Box flexDirection="column">
      <Box columnGap={2}>
        <Text {...tone(theme, 'heading')}>{sanitize(product.name)}</Text>
        <Text {...tone(theme, 'muted')}>{sanitize(product.sku)}</Text>
      </Box>
      <Text {...tone(theme, 'amount')}>{formatMoney(product.price, product.currency, theme.locale)}</Text>
      {product.active ? null : <Text {...tone(theme, 'warning')}>No longer sold</Text>}
      {product.description === '' ? null : (
        <Box marginTop={1}>
          <Text>{sanitize(product.description)}</Text>
        </Box>
      )}
    </Box>
  );
}

/** An empty page past the end is not "nothing matches": say where the list ends. */
export function emptyPageMessage(page: ProductPage): string {
  if (page.total === 0) {
    return 'No products match.';
  }
  const what = page.total === 1 ? '1 product' : `${page.total} products`;
  return `Nothing past ${page.offset}: there are ${what}; try --offset ${Math.max(0, page.total - page.limit)}.`;
}
