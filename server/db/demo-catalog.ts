import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseCatalog } from '../catalog/format.js';
import type { ProductRecord } from './store.js';

const internals = {
  /** catalog/demo.jsonl at the package's root: two levels up from server/db/ in the source, three from dist/. */
  file(): string {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let depth = 0; depth < 4; depth++, dir = dirname(dir)) {
      const candidate = join(dir, 'catalog', 'demo.jsonl');
      if (existsSync(candidate)) {
        return candidate;
      }
    }
    throw new Error('catalog/demo.jsonl is missing from the installation');
  },
};

/**
 * The demo catalogue a fresh development database is seeded with, from catalog/demo.jsonl — a catalogue file like any
 * an operator imports (`shop-server catalog import`). Prices in EUR, USD and GBP; two products have no GBP price, so a
 * cart holding one shows the fallback to the catalogue's currency; two are inactive so the "inactive products are
 * hidden" paths have something to hide; four have a small stock so the limit can be seen (the rest are not counted).
 */
export const demoCatalog: readonly ProductRecord[] = parseCatalog(readFileSync(internals.file(), 'utf8'), 'jsonl').map(
  ({ sku, name, description, prices, active, stock }) => ({ sku, name, description, prices: { ...prices }, active, stock: stock ?? null }),
);
