import { Box, Text } from 'ink';

import { formatCount, formatMoney, sanitize } from '../format.js';
import type { ProjectedCart } from '../offline/projection.js';
import { Table } from './table.js';
import { type Theme, tone } from './theme.js';

export interface CartViewProps {
  cart: ProjectedCart;
  theme: Theme;
}

/** Shown for the price of a product added offline that `shop` has never seen. */
const UNKNOWN = '?';

/** The cart as a table with line totals, then the subtotal. */
export function CartView({ cart, theme }: CartViewProps) {
  if (cart.lines.length === 0) {
    return (
      <Box flexDirection="column">
        <Text>Your cart is empty.</Text>
        <Text {...tone(theme, 'muted')}>Add something with: shop cart add SKU [QTY]</Text>
      </Box>
    );
  }
  const { locale } = theme;
  const money = (amount: number | null) => (amount === null ? UNKNOWN : formatMoney(amount, cart.currency, locale));
  const rows = cart.lines.map((line) => [
    sanitize(line.sku),
    line.name === null ? UNKNOWN : sanitize(line.name),
    formatCount(line.quantity, locale),
    money(line.unitPrice),
    money(line.lineTotal),
  ]);
  const items = cart.itemCount === 1 ? '1 item' : `${formatCount(cart.itemCount, locale)} items`;
  // A line of unknown price makes the subtotal a lower bound; say so rather than show a wrong total.
  const unpriced = cart.lines.some((line) => line.lineTotal === null);
  const fallback = cart.currencyChoice?.reason === 'unpriced' ? cart.currencyChoice : undefined;
  const table = (
    <Table
      theme={theme}
      columns={[
        { header: 'SKU' },
        { header: 'Name', flexible: true },
        { header: 'Qty', align: 'right' },
        { header: 'Unit price', align: 'right' },
        { header: 'Line total', align: 'right' },
      ]}
      rows={rows}
      footer={['Subtotal', `${items}`, '', '', `${unpriced ? '≥ ' : ''}${formatMoney(cart.subtotal, cart.currency, locale)}`]}
    />
  );
  if (fallback === undefined) {
    return table;
  }
  // The preference could not be honoured: say why, so the currency does not look like a mistake.
  return (
    <Box flexDirection="column">
      {table}
      <Text {...tone(theme, 'muted')}>
        {`Shown in ${cart.currency}: ${fallback.unpriced.map(sanitize).join(', ')} ${fallback.unpriced.length === 1 ? 'has' : 'have'} no ${fallback.preferred ?? ''} price.`}
      </Text>
    </Box>
  );
}
