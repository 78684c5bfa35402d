import { orderParams, orderRecord, type OrderRow, orderSql, type OrderStatement } from './order-sql.js';
import type { OrderStore } from './order-store.js';
import type { Queryable } from './postgres-queries.js';
import { positional, type PositionalStatement } from './shared-sql.js';

const internals = {
  statements: Object.fromEntries(Object.entries(orderSql).map(([name, text]) => [name, positional(text)])) as Record<OrderStatement, PositionalStatement>,
  date: (time: Date): Date => time,
};

/** The `OrderStore` on Postgres; `q` is the pool or a transaction's connection. Statements prepared once per connection. */
export function postgresOrders(q: Queryable): OrderStore {
  const run = <T extends readonly unknown[] = Record<string, unknown>[]>(name: OrderStatement, params: Record<string, unknown>) => {
    const { text, names } = internals.statements[name];
    return q.unsafe<T extends unknown[] ? T : never>(text, names.map((key) => params[key]) as never[], { prepare: true });
  };
  return {
    async takeStock(sku, quantity) {
      const result = await run('takeStock', { sku, quantity });
      return result.count > 0;
    },
    async returnStock(sku, quantity) {
      await run('returnStock', { sku, quantity });
    },
    async insert(order) {
      await run('insertOrder', { ...orderParams(order), placed_at: order.placedAt });
    },
    async list(userId, limit, offset) {
      const rows = await run<OrderRow<Date>[]>('listOrders', { user_id: userId, limit, offset });
      const [count] = await run<{ n: number }[]>('countOrders', { user_id: userId });
      return { items: rows.map((row) => orderRecord(row, internals.date)), total: count?.n ?? 0 };
    },
    async get(userId, id) {
      const [row] = await run<OrderRow<Date>[]>('orderById', { id, user_id: userId });
      return row === undefined ? null : orderRecord(row, internals.date);
    },
  };
}
