import { Box, Text } from 'ink';

import type { Cart } from '../../shared/wire.js';
import { formatMoney, sanitize } from '../format.js';
import { Table } from './table.js';
import { type Theme, tone } from './theme.js';

export interface CartViewProps {
  cart: Cart;
  theme: Theme;
}

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
  const rows = cart.lines.map((line) => [
    sanitize(line.sku),
    sanitize(line.name),
    String(line.quantity),
    formatMoney(line.unitPrice, cart.currency),
    formatMoney(line.lineTotal, cart.currency),
  ]);
  const items = cart.itemCount === 1 ? '1 item' : `${cart.itemCount} items`;
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
      footer={['Subtotal', `${items}`, '', '', formatMoney(cart.subtotal, cart.currency)]}
    />
  );
}
