import type { ExpectedOrder } from '../../shared/rules/checkout.js';
import type { Order, OrderPage } from '../../shared/wire.js';
import { formatAmount, sanitize } from '../format.js';
import { readableTime } from '../time-text.js';
import type { View } from './view.js';

/**
 * One order. Plain lines are its lines, `SKU  QTY  UNIT_PRICE  LINE_TOTAL  CURRENCY  NAME` as in `shop cart`; the id,
 * time and total are in `--json` (and on stderr, for people).
 */
export const orderView: View<Order> = {
  json: (order) => order,
  plain: (order) =>
    order.lines.map((line) => [
      line.sku,
      line.quantity,
      formatAmount(line.unitPrice, order.currency),
      formatAmount(line.lineTotal, order.currency),
      order.currency,
      line.name,
    ]),
  text: (order) =>
    [
      `Order ${order.id}, ${order.state} ${readableTime(order.placedAt, Date.now())}`,
      ...order.lines.map((line) => `  ${line.quantity} × ${line.sku}  ${sanitize(line.name)}  ${formatAmount(line.lineTotal, order.currency)} ${order.currency}`),
      `  Total ${formatAmount(order.subtotal, order.currency)} ${order.currency}`,
    ].join('\n'),
};

/** A page of orders, newest first. Plain lines are `ID  PLACED_AT  STATE  ITEMS  TOTAL  CURRENCY`. */
export const orderPageView: View<OrderPage> = {
  json: (page) => page,
  plain: (page) =>
    page.items.map((order) => [order.id, order.placedAt, order.state, order.itemCount, formatAmount(order.subtotal, order.currency), order.currency]),
  text: (page) =>
    page.items.length === 0
      ? 'No orders yet.'
      : page.items
          .map((order) => `${readableTime(order.placedAt, Date.now())}  ${order.id}  ${order.state}  ${order.itemCount} items  ${formatAmount(order.subtotal, order.currency)} ${order.currency}`)
          .join('\n'),
};

/** An order queued offline: its place in the outbox and what it will be placed at. */
export interface QueuedOrder {
  id: number;
  expect: ExpectedOrder;
}

/** `shop checkout` offline. Plain lines are the lines confirmed, `SKU  QTY  UNIT_PRICE  CURRENCY`. */
export const queuedOrderView: View<QueuedOrder> = {
  json: ({ id, expect }) => ({ status: 'queued', id, expect }),
  plain: ({ expect }) => expect.lines.map((line) => [line.sku, line.quantity, formatAmount(line.unitPrice, expect.currency), expect.currency]),
  text: ({ id, expect }) => `Queued as change ${id}: ${formatAmount(expect.subtotal, expect.currency)} ${expect.currency}.`,
};
