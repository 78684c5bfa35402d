import { Box, Text } from 'ink';

import { formatMoney, sanitize } from '../format.js';
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
  const money = (amount: number | null) => (amount === null ? UNKNOWN : formatMoney(amount, cart.currency));
  const rows = cart.lines.map((line) => [
    sanitize(line.sku),
    line.name === null ? UNKNOWN : sanitize(line.name),
    String(line.quantity),
    money(line.unitPrice),
    money(line.lineTotal),
  ]);
  const items = cart.itemCount === 1 ? '1 item' : `${cart.itemCount} items`;
  // A line of unknown price makes the subtotal a lower bound; say so rather than show a wrong total.
  const unpriced = cart.lines.some((line) => line.lineTotal === null);
  return (
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
      footer={['Subtotal', `${items}`, '', '', `${unpriced ? '≥ ' : ''}${formatMoney(cart.subtotal, cart.currency)}`]}
    />
  );
}
