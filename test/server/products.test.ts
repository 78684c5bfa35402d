import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { Product, ProductPage } from '../../shared/wire.js';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { buildServer } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

for (const backend of backends) {
  describe(`product routes on ${backend.name}`, () => {
    let db: OpenBackend;
    let server: Server;

    before(async () => {
      db = await backend.open();
      server = await buildServer({ store: db.store });
    });

    after(() => db.dispose());

    it('lists the seeded active catalog without a token, ordered by sku', async () => {
      const res = await server.inject({ method: 'GET', url: '/products?limit=100' });
      expect(res.statusCode).to.equal(200);
      const page = res.result as ProductPage;
      expect(page.total).to.be.at.least(20);
      expect(page.items.length).to.equal(page.total);
      expect(page.items.every((product) => product.active)).to.be.true();
      const skus = page.items.map((product) => product.sku);
      expect(skus).to.equal([...skus].sort());
      for (const product of page.items) {
        expect(Number.isInteger(product.price)).to.be.true();
        expect(product.currency).to.match(/^[A-Z]{3}$/);
      }
    });

    it('pages with limit and offset', async () => {
      const all = (await server.inject({ method: 'GET', url: '/products?limit=100' })).result as ProductPage;
      const page = (await server.inject({ method: 'GET', url: '/products?limit=5&offset=5' })).result as ProductPage;
      expect(page).to.include({ limit: 5, offset: 5, total: all.total });
      expect(page.items.map((p) => p.sku)).to.equal(all.items.slice(5, 10).map((p) => p.sku));
    });

    const search = async (q: string): Promise<string[]> =>
      ((await server.inject({ method: 'GET', url: `/products?limit=100&q=${encodeURIComponent(q)}` })).result as ProductPage).items.map((p) => p.sku);

    it('finds tees for "tee", not the steel of a bottle', async () => {
      expect(await search('tee')).to.equal(['TEE-BLACK-L', 'TEE-BLACK-M', 'TEE-BLACK-S', 'TEE-WHITE-L', 'TEE-WHITE-M']);
    });

    it('needs every word of a search, in any order', async () => {
      expect(await search('black organic')).to.equal(['TEE-BLACK-L', 'TEE-BLACK-M', 'TEE-BLACK-S']);
      expect(await search('organic black')).to.equal(['TEE-BLACK-L', 'TEE-BLACK-M', 'TEE-BLACK-S']);
      expect(await search('cotton tee')).to.equal(['TEE-BLACK-L', 'TEE-BLACK-M', 'TEE-BLACK-S', 'TEE-WHITE-L', 'TEE-WHITE-M']);
      expect(await search('black mug')).to.equal([]);
    });

    it('ranks SKU and name matches above description matches', async () => {
      expect(await search('pen')).to.equal(['PEN-FOUNTAIN-F', 'PEN-GEL-5', 'PENCIL-HB-12', 'NOTEBOOK-A5-DOT', 'NOTEBOOK-A5-LINED']);
      expect(await search('steel')).to.equal(['BOTTLE-500', 'BOTTLE-750', 'PEN-FOUNTAIN-F']);
    });

    it('matches the last word as a prefix, as people type', async () => {
      expect(await search('hoo')).to.equal(['HOODIE-GREY-L', 'HOODIE-GREY-M']);
      expect(await search('zip hood')).to.equal(['HOODIE-GREY-L', 'HOODIE-GREY-M']);
      expect(await search('hood zip')).to.equal([]);
    });

    it('searches case-insensitively', async () => {
      const all = (await server.inject({ method: 'GET', url: '/products?limit=100' })).result as ProductPage;
      const target = all.items[3]!;
      const word = target.name.split(' ')[0]!.toUpperCase();
      const res = (await server.inject({ method: 'GET', url: `/products?q=${encodeURIComponent(word)}` })).result as ProductPage;
      expect(res.items.map((p) => p.sku)).to.include(target.sku);
      const none = (await server.inject({ method: 'GET', url: '/products?q=%25%25' })).result as ProductPage;
      expect(none.total).to.equal(0);
    });

    it('shows one product and answers 404 for unknown or inactive ones', async () => {
      const all = (await db.store.products.list({ includeInactive: true, limit: 100, offset: 0 })).items;
      const active = all.find((p) => p.active)!;
      const res = await server.inject({ method: 'GET', url: `/products/${active.sku}` });
      expect(res.result as Product).to.equal({ ...active, price: active.prices.EUR!, currency: 'EUR' });
      for (const sku of ['NOPE', all.find((p) => !p.active)!.sku]) {
        const missing = await server.inject({ method: 'GET', url: `/products/${sku}` });
        expect(missing.statusCode).to.equal(404);
        expect((missing.result as ErrorBody).code).to.equal('SKU_NOT_FOUND');
      }
    });

    it('shows prices in the currency asked for, and every price the product has', async () => {
      const list = (await server.inject({ method: 'GET', url: '/products?currency=USD&limit=100' })).result as ProductPage;
      const mug = list.items.find((p) => p.sku === 'MUG-BLUE')!;
      expect(mug).to.include({ price: 1690, currency: 'USD', prices: { EUR: 1490, USD: 1690, GBP: 1295 } });
      expect(list.items.every((p) => p.currency === 'USD' && p.price === p.prices.USD)).to.be.true();

      const one = await server.inject({ method: 'GET', url: '/products/MUG-BLUE?currency=GBP' });
      expect(one.result as Product).to.include({ price: 1295, currency: 'GBP' });
    });

    it('shows the catalogue-currency price of a product without a price in the currency asked for', async () => {
      const res = await server.inject({ method: 'GET', url: '/products/COFFEE-DECAF-250?currency=GBP' });
      expect(res.result as Product).to.include({ price: 1290, currency: 'EUR' });
    });

    it('refuses a currency that is not an ISO 4217 code with VALIDATION_FAILED', async () => {
      for (const url of ['/products?currency=usd', '/products?currency=EURO', '/products/MUG-BLUE?currency=1']) {
        const res = await server.inject({ method: 'GET', url });
        expect(res.statusCode).to.equal(400);
        expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
      }
    });

    it('refuses a search with a control character, NUL included, with VALIDATION_FAILED', async () => {
      for (const q of ['%00', 'mug%00', '%1B%5B2J', 'a%7Fb']) {
        const res = await server.inject({ method: 'GET', url: `/products?q=${q}` });
        expect(res.statusCode).to.equal(400);
        expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
      }
    });

    it('rejects limits out of range with VALIDATION_FAILED', async () => {
      for (const query of ['limit=0', 'limit=101', 'offset=-1', 'limit=abc', 'extra=1']) {
        const res = await server.inject({ method: 'GET', url: `/products?${query}` });
        expect(res.statusCode).to.equal(400);
        expect((res.result as ErrorBody).code).to.equal('VALIDATION_FAILED');
      }
    });
  });
}
