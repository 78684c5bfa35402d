import { readFile, writeFile } from 'node:fs/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { productPageKey, SnapshotCache } from '../../../cli/store/snapshot-cache.js';
import type { Cart, Product } from '../../../shared/wire.js';
import { makeConfigDir } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

const ada = { server: 'http://shop.test', userId: 'user-ada' };
const cart: Cart = { lines: [], subtotal: 0, currency: 'EUR', currencyChoice: { reason: 'default', preferred: null, unpriced: [] }, itemCount: 0, version: 3 };
const product = (sku: string): Product => ({ sku, name: sku, description: '', price: 100, currency: 'EUR', prices: { EUR: 100 }, active: true, stock: null });

describe('the snapshot cache', () => {
  let dir: { path: string; remove(): Promise<void> };
  let cache: SnapshotCache;

  beforeEach(async () => {
    dir = await makeConfigDir();
    cache = new SnapshotCache(dir.path);
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('keeps each account\'s copies apart, with the time they were taken', async () => {
    await cache.saveAccount(ada, { cart: { value: cart, asOf: '2030-01-01T00:00:00.000Z' } });

    expect(new SnapshotCache(dir.path).account(ada).cart).to.equal({ value: cart, asOf: '2030-01-01T00:00:00.000Z' });
    expect(cache.account({ ...ada, userId: 'user-bob' })).to.equal({});
    expect(cache.account({ ...ada, server: 'http://other.test' })).to.equal({});
  });

  it('updates one copy without losing the others', async () => {
    await cache.saveAccount(ada, { cart: { value: cart, asOf: 'a' } });

    await cache.saveAccount(ada, { preferences: { value: { preferences: { locale: 'en-GB' } }, asOf: 'b' } });

    expect(Object.keys(cache.account(ada)).sort()).to.equal(['cart', 'preferences']);
  });

  it('remembers a page of products under its query, and every product on it by SKU', async () => {
    const key = productPageKey({ query: 'mug', limit: 2 });
    await cache.savePage(ada.server, key, { items: [product('MUG-BLUE')], total: 1, limit: 2, offset: 0 }, 'a');

    const catalog = cache.catalog(ada.server);

    expect(catalog.pages[key]?.value.total).to.equal(1);
    expect(catalog.pages[productPageKey({ query: 'mug' })]).to.be.undefined();
    expect(catalog.products['MUG-BLUE']?.value.price).to.equal(100);
  });

  it('keeps only the most recent pages', async () => {
    for (let index = 0; index < 25; index += 1) {
      await cache.savePage(ada.server, productPageKey({ offset: index }), { items: [], total: 0, limit: 20, offset: index }, `2030-01-01T00:00:${String(index).padStart(2, '0')}.000Z`);
    }

    const pages = Object.values(cache.catalog(ada.server).pages);

    expect(pages).to.have.length(20);
    expect(Math.min(...pages.map((page) => page.value.offset))).to.equal(5);
  });

  it('treats a damaged cache as empty, and replaces it on the next write', async () => {
    await writeFile(cache.path, '{"version":1,"acc');

    expect(cache.account(ada)).to.equal({});
    await cache.saveAccount(ada, { cart: { value: cart, asOf: 'a' } });
    expect(JSON.parse(await readFile(cache.path, 'utf8'))).to.include({ version: 1 });
  });
});
