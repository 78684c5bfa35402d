import type { OrderLine, OrderState } from '../../shared/wire.js';

/** An order as stored. `userId` is `null` once the account that placed it was deleted. */
export interface OrderRecord {
  id: string;
  userId: string | null;
  state: OrderState;
  lines: OrderLine[];
  subtotal: number;
  itemCount: number;
  currency: string;
  placedAt: Date;
}

/** Stock and orders. Part of the `Store` contract (see store.ts): every mutation is one statement. */
export interface OrderStore {
  /**
   * Takes `quantity` units of `sku` in one conditional statement (`UPDATE … SET stock = stock - q WHERE stock >= q`),
   * so stock can never go below zero whatever runs concurrently: a waiting statement re-checks the condition against
   * the row as the other committed it. `true` when taken (always, for unlimited stock); `false` when there is not
   * enough, or no such product.
   */
  takeStock(sku: string, quantity: number): Promise<boolean>;
  /**
   * Gives back units `takeStock` took earlier in the same transaction. A checkout refused part-way uses it when it runs
   * inside a larger transaction (a `POST /sync/push` batch), where the refusal does not roll the transaction back.
   */
  returnStock(sku: string, quantity: number): Promise<void>;
  insert(order: OrderRecord): Promise<void>;
  /** The user's orders, newest first. */
  list(userId: string, limit: number, offset: number): Promise<{ items: OrderRecord[]; total: number }>;
  /** `null` when the user has no order with this id (another user's order is not theirs to see). */
  get(userId: string, id: string): Promise<OrderRecord | null>;
}
