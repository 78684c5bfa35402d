import type { ProjectedCart } from '../offline/projection.js';
import { formatAmount } from '../format.js';
import type { View } from './view.js';
import type { ReadProvenance } from './provenance.js';

/**
 * A cart: the server's, or the saved copy with queued changes applied. Plain lines are
 * `SKU  QTY  UNIT_PRICE  LINE_TOTAL  CURRENCY  NAME`, one per cart line, amounts as exact decimals; the subtotal is in
 * `--json` (or a sum away in awk), so every line has the same columns. A product added offline that `shop` has never
 * seen has an empty price and name (`null` in JSON) until the server has answered.
 */
export const cartView: View<ProjectedCart> = {
  json: (cart) => cart,
  plain: (cart) =>
    cart.lines.map((line) => [
      line.sku,
      line.quantity,
      line.unitPrice === null ? null : formatAmount(line.unitPrice, cart.currency),
      line.lineTotal === null ? null : formatAmount(line.lineTotal, cart.currency),
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
  /** For a line that was accepted: sent and applied, or queued to be sent later. */
  status?: 'applied' | 'queued';
  /** The outbox id of a queued line. */
  id?: number;
  /** The server's error code, or INVALID_LINE when the line could not be read. */
  code?: string;
  message?: string;
}

export interface CartBatch {
  added: number;
  queued: number;
  failed: number;
  results: CartBatchLine[];
  cart: ProjectedCart;
  /** Where `cart` came from. */
  cartSource: ReadProvenance;
}

/** `shop cart add -`: the per-line results with `--json`; otherwise the resulting cart, like `shop cart add`. */
export const cartBatchView: View<CartBatch> = {
  json: ({ cart, cartSource, ...batch }) => ({ ...batch, cart: { ...cart, ...cartSource } }),
  plain: (batch) => cartView.plain(batch.cart),
  ink: (batch, ui, theme) => ui.h(ui.CartView, { cart: batch.cart, theme }),
};
