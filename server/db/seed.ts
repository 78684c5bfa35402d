import { demoCatalog } from './demo-catalog.js';
import type { Store } from './store.js';

/**
 * Inserts the demo catalog when the products table is empty, and returns how many products it inserted (0 when there
 * already were products: a catalog someone maintains is never overwritten). Runs in one transaction, so instances
 * starting together on one database do not interleave; if two both find the table empty, the upsert makes the second
 * write the same rows again.
 */
export async function seedDemoCatalog(store: Store): Promise<number> {
  return store.transaction(async (tx) => {
    const { total } = await tx.products.list({ includeInactive: true, limit: 1, offset: 0 });
    if (total > 0) {
      return 0;
    }
    await tx.products.upsert(demoCatalog);
    return demoCatalog.length;
  });
}
