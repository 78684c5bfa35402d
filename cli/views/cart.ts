import type { Cart } from '../../shared/wire.js';
import { formatAmount } from '../format.js';
import type { View } from '../output.js';

/**
 * A cart. Plain lines are `SKU  QTY  UNIT_PRICE  LINE_TOTAL  CURRENCY  NAME`, one per cart line, amounts as exact
 * decimals; the subtotal is in `--json` (or a sum away in awk), so every line has the same columns.
 */
export const cartView: View<Cart> = {
  json: (cart) => cart,
  plain: (cart) =>
    cart.lines.map((line) => [
      line.sku,
      line.quantity,
      formatAmount(line.unitPrice, cart.currency),
      formatAmount(line.lineTotal, cart.currency),
      cart.currency,
      line.name,
    ]),
  ink: (cart, ui, theme) => ui.h(ui.CartView, { cart, theme }),
};

/** One line of `shop cart add -`, as reported in its `--json` document. */
export interface CartBatchLine {
  line: number;
  input: string;
  ok: boolean;
  sku?: string;
  quantity?: number;
  /** The server's error code, or INVALID_LINE when the line could not be read. */
  code?: string;
  message?: string;
}

export interface CartBatch {
  added: number;
  failed: number;
  results: CartBatchLine[];
  cart: Cart;
}

/** `shop cart add -`: the per-line results with `--json`; otherwise the resulting cart, like `shop cart add`. */
export const cartBatchView: View<CartBatch> = {
  json: (batch) => batch,
  plain: (batch) => cartView.plain(batch.cart),
  ink: (batch, ui, theme) => ui.h(ui.CartView, { cart: batch.cart, theme }),
};
