import type { OrderLine } from '../../shared/wire.js';
import type { OrderRecord } from './order-store.js';
import type { ToDate } from './rows.js';

/** The statements of the order store, run as written by both dialects (`$name` parameters, see shared-sql.ts). */
const internals = {
  orderColumns: 'id, user_id, state, lines, subtotal, item_count, currency, placed_at',
};

export const orderSql = {
  // The CHECK (stock >= 0) backs this up; the WHERE is what makes a second buyer of the last unit get nothing.
  takeStock: `
    UPDATE products SET stock = stock - $quantity
    WHERE sku = $sku AND (stock IS NULL OR stock >= $quantity)`,
  // Undoes `takeStock` inside the same transaction, for a checkout refused after it took some lines' units.
  returnStock: `
    UPDATE products SET stock = stock + $quantity
    WHERE sku = $sku AND stock IS NOT NULL`,
  insertOrder: `
    INSERT INTO orders (${internals.orderColumns})
    VALUES ($id, $user_id, $state, $lines, $subtotal, $item_count, $currency, $placed_at)`,
  listOrders: `
    SELECT ${internals.orderColumns} FROM orders WHERE user_id = $user_id
    ORDER BY placed_at DESC, id DESC LIMIT $limit OFFSET $offset`,
  countOrders: 'SELECT CAST(count(*) AS integer) AS n FROM orders WHERE user_id = $user_id',
  orderById: `SELECT ${internals.orderColumns} FROM orders WHERE id = $id AND user_id = $user_id`,
} as const;

export type OrderStatement = keyof typeof orderSql;

export interface OrderRow<Time> {
  id: string;
  user_id: string | null;
  state: string;
  lines: string;
  subtotal: number;
  item_count: number;
  currency: string;
  placed_at: Time;
}

export function orderRecord<Time>(row: OrderRow<Time>, date: ToDate<Time>): OrderRecord {
  return {
    id: row.id,
    userId: row.user_id,
    state: 'placed',
    lines: JSON.parse(row.lines) as OrderLine[],
    subtotal: row.subtotal,
    itemCount: row.item_count,
    currency: row.currency,
    placedAt: date(row.placed_at),
  };
}

/** The named parameters of `insertOrder`, but for the time, which each dialect binds its own way. */
export function orderParams(order: OrderRecord): Record<string, unknown> {
  return {
    id: order.id,
    user_id: order.userId,
    state: order.state,
    lines: JSON.stringify(order.lines),
    subtotal: order.subtotal,
    item_count: order.itemCount,
    currency: order.currency,
  };
}
