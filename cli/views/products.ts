import type { Product, ProductPage } from '../../shared/wire.js';
import { formatAmount } from '../format.js';
import type { View } from './view.js';

/** A page of products. Plain lines are `SKU  PRICE  CURRENCY  NAME`. */
export const productPageView: View<ProductPage> = {
  json: (page) => page,
  plain: (page) => page.items.map((product) => [product.sku, formatAmount(product.price, product.currency), product.currency, product.name]),
  ink: (page, ui, theme) => ui.h(ui.ProductsView, { page, theme }),
};

/** One product. Plain lines are `FIELD  VALUE`, so `awk -F'\t' '$1=="price"{print $2}'` finds a field. */
export const productView: View<Product> = {
  json: (product) => product,
  plain: (product) => [
    ['sku', product.sku],
    ['name', product.name],
    ['price', formatAmount(product.price, product.currency)],
    ['currency', product.currency],
    ['active', product.active],
    ['description', product.description],
  ],
  ink: (product, ui, theme) => ui.h(ui.ProductView, { product, theme }),
};
