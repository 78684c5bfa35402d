import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import { productState } from '../../shared/rules/cart.js';
import { productPrice } from '../../shared/rules/pricing.js';
import { refusals } from '../../shared/rules/refusals.js';
import type { Product, ProductPage } from '../../shared/wire.js';
import type { ProductRecord } from '../db/store.js';
import { refused } from '../domain/errors.js';
import type { RouteDeps } from './deps.js';
import { ProductCurrencyQuery, ProductQuery, SkuParams } from './schemas.js';

const internals = {
  /** The product with its price in `currency` when it has one (shared rule), its whole price list, and its stock. */
  toProduct(record: ProductRecord, currency: string | undefined): Product {
    const price = productPrice(record.prices, currency);
    return {
      sku: record.sku,
      name: record.name,
      description: record.description,
      price: price.amount,
      currency: price.currency,
      prices: { ...record.prices },
      active: record.active,
      stock: record.stock ?? null,
    };
  },
};

/** The public catalog: no token needed. Inactive products are hidden. */
export const productRoutes: Plugin<RouteDeps> = {
  name: 'shop-products',
  register(server, { store }) {
    server.route([
      {
        method: 'GET',
        path: Paths.products,
        options: {
          auth: false,
          plugins: { 'shop-caching': { catalog: true } },
          description: 'List or search the catalog',
          validate: { query: ProductQuery },
          handler: async (request): Promise<ProductPage> => {
            const { q, currency, limit, offset } = request.query as { q?: string; currency?: string; limit: number; offset: number };
            const page = await store.products.list({ q: q || undefined, limit, offset });
            return { items: page.items.map((record) => internals.toProduct(record, currency)), total: page.total, limit, offset };
          },
        },
      },
      {
        method: 'GET',
        path: '/products/{sku}',
        options: {
          auth: false,
          plugins: { 'shop-caching': { catalog: true } },
          description: 'One product',
          validate: { params: SkuParams, query: ProductCurrencyQuery },
          handler: async (request): Promise<Product> => {
            const { currency } = request.query as { currency?: string };
            const sku = (request.params as { sku: string }).sku;
            const product = await store.products.get(sku);
            if (product === null || productState(product) !== 'active') {
              throw refused(refusals.skuNotFound(sku));
            }
            return internals.toProduct(product, currency);
          },
        },
      },
    ]);
  },
};
