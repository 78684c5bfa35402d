import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import { productState } from '../../shared/rules/cart.js';
import { refusals } from '../../shared/rules/refusals.js';
import type { Product, ProductPage } from '../../shared/wire.js';
import type { ProductRecord } from '../db/store.js';
import { refused } from '../domain/errors.js';
import type { RouteDeps } from './deps.js';
import { ProductQuery, SkuParams } from './schemas.js';

const internals = {
  toProduct(record: ProductRecord): Product {
    return { ...record, stock: record.stock ?? null };
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
          description: 'List or search the catalog',
          validate: { query: ProductQuery },
          handler: async (request): Promise<ProductPage> => {
            const { q, limit, offset } = request.query as { q?: string; limit: number; offset: number };
            const page = await store.products.list({ q: q || undefined, limit, offset });
            return { items: page.items.map(internals.toProduct), total: page.total, limit, offset };
          },
        },
      },
      {
        method: 'GET',
        path: '/products/{sku}',
        options: {
          auth: false,
          description: 'One product',
          validate: { params: SkuParams },
          handler: async (request): Promise<Product> => {
            const sku = (request.params as { sku: string }).sku;
            const product = await store.products.get(sku);
            if (product === null || productState(product) !== 'active') {
              throw refused(refusals.skuNotFound(sku));
            }
            return internals.toProduct(product);
          },
        },
      },
    ]);
  },
};
