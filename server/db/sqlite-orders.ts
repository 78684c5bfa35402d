import type { Database } from 'better-sqlite3';

import { orderParams, orderRecord, type OrderRow, orderSql } from './order-sql.js';
import type { OrderStore } from './order-store.js';
import type { Synchronous } from './sqlite-queries.js';

/** The `OrderStore` on SQLite; statements prepared once. Times are epoch milliseconds. */
export function sqliteOrders(db: Database): Synchronous<OrderStore> {
  const date = (time: number): Date => new Date(time);
  const statements = {
    takeStock: db.prepare<[{ sku: string; quantity: number }]>(orderSql.takeStock),
    returnStock: db.prepare<[{ sku: string; quantity: number }]>(orderSql.returnStock),
    insertOrder: db.prepare<[Record<string, unknown>]>(orderSql.insertOrder),
    listOrders: db.prepare<[{ user_id: string; limit: number; offset: number }], OrderRow<number>>(orderSql.listOrders),
    countOrders: db.prepare<[{ user_id: string }], number>(orderSql.countOrders).pluck(),
    orderById: db.prepare<[{ id: string; user_id: string }], OrderRow<number>>(orderSql.orderById),
  };
  return {
    takeStock(sku, quantity) {
      return statements.takeStock.run({ sku, quantity }).changes > 0;
    },
    returnStock(sku, quantity) {
      statements.returnStock.run({ sku, quantity });
    },
    insert(order) {
      statements.insertOrder.run({ ...orderParams(order), placed_at: order.placedAt.getTime() });
    },
    list(userId, limit, offset) {
      const items = statements.listOrders.all({ user_id: userId, limit, offset }).map((row) => orderRecord(row, date));
      return { items, total: statements.countOrders.get({ user_id: userId }) ?? 0 };
    },
    get(userId, id) {
      const row = statements.orderById.get({ id, user_id: userId });
      return row === undefined ? null : orderRecord(row, date);
    },
  };
}
