import { type CatalogChange, type CatalogEntry, catalogChange } from '../../shared/rules/catalog.js';
import type { ProductRecord, Store } from '../db/store.js';

/** What an import did, by product. */
export interface ImportReport {
  added: number;
  changed: number;
  deactivated: number;
  unchanged: number;
}

export interface ImportOptions {
  /** Products per transaction. */
  batchSize?: number;
  /** Also deactivate active products the file does not list: the file is the whole catalogue. */
  deactivateMissing?: boolean;
}

const internals = {
  batchSize: 500,
  pageSize: 1000,

  record(entry: CatalogEntry): ProductRecord {
    return { sku: entry.sku, name: entry.name, description: entry.description, prices: { ...entry.prices }, active: entry.active, stock: entry.stock ?? null };
  },

  /** Every product, by sku, a page at a time. */
  async *allProducts(store: Store): AsyncGenerator<ProductRecord> {
    for (let offset = 0; ; offset += internals.pageSize) {
      const page = await store.products.list({ includeInactive: true, limit: internals.pageSize, offset });
      yield* page.items;
      if (page.items.length < internals.pageSize) {
        return;
      }
    }
  },
};

/**
 * Upserts checked catalogue entries (see format.ts), one transaction per batch. Each batch reads what the database
 * holds for its SKUs and writes only the products that differ, so importing the same file twice changes nothing the
 * second time. A file is checked as a whole before this runs, so a bad line never leaves half a catalogue.
 */
export async function importCatalog(store: Store, entries: readonly CatalogEntry[], options: ImportOptions = {}): Promise<ImportReport> {
  const report: ImportReport = { added: 0, changed: 0, deactivated: 0, unchanged: 0 };
  const batchSize = options.batchSize ?? internals.batchSize;
  const count = (change: CatalogChange) => {
    report[change]++;
  };
  for (let start = 0; start < entries.length; start += batchSize) {
    const batch = entries.slice(start, start + batchSize);
    await store.transaction(async (tx) => {
      const writes: ProductRecord[] = [];
      const existing = new Map((await tx.products.getMany(batch.map((entry) => entry.sku))).map((product) => [product.sku, product]));
      for (const entry of batch) {
        const change = catalogChange(existing.get(entry.sku) ?? null, entry);
        count(change);
        if (change !== 'unchanged') {
          writes.push(internals.record(entry));
        }
      }
      await tx.products.upsert(writes);
    });
  }
  if (options.deactivateMissing === true) {
    const listed = new Set(entries.map((entry) => entry.sku));
    const missing: ProductRecord[] = [];
    for await (const product of internals.allProducts(store)) {
      if (product.active && !listed.has(product.sku)) {
        missing.push({ ...product, active: false });
      }
    }
    for (let start = 0; start < missing.length; start += batchSize) {
      await store.products.upsert(missing.slice(start, start + batchSize));
    }
    report.deactivated += missing.length;
  }
  return report;
}

/** Every product, by sku, as catalogue entries: what `catalog export` writes. */
export async function exportCatalog(store: Store): Promise<CatalogEntry[]> {
  const entries: CatalogEntry[] = [];
  for await (const product of internals.allProducts(store)) {
    const { sku, name, description, prices, active, stock } = product;
    entries.push({ sku, name, description, prices, active, ...(stock === null || stock === undefined ? {} : { stock }) });
  }
  return entries;
}
