import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../limits.js';
import { type Refusal, refusals } from './refusals.js';

/**
 * What is known of a product a change names. `unknown` is the offline client's case: the SKU is not in the saved
 * catalogue, which may be out of date, so the rules cannot say no on its account.
 */
export type ProductState = 'active' | 'unavailable' | 'unknown';

/** What a cart rule needs to know about the cart and the product, and nothing more. */
export interface CartLineView {
  /** This SKU's quantity in the cart; 0 when the cart has no such line. */
  quantity: number;
  /** How many lines the cart holds. */
  lineCount: number;
  product: ProductState;
}

/** The one write a cart change makes. */
export type CartWrite =
  /** Set the line to `quantity` (1–99), creating it when the cart has none. */
  | { op: 'put'; sku: string; quantity: number }
  | { op: 'delete'; sku: string }
  | { op: 'clear' };

export type CartDecision = { kind: 'write'; write: CartWrite } | { kind: 'unchanged' } | { kind: 'refuse'; refusal: Refusal };

const internals = {
  refuse: (refusal: Refusal): CartDecision => ({ kind: 'refuse', refusal }),

  isQuantity: (value: number, min: number): boolean => Number.isInteger(value) && value >= min && value <= MAX_LINE_QUANTITY,

  /**
   * The checks of a line that will hold `next`. The product comes last, so what can be known from the cart alone
   * (offline, too) is decided first, and a refusal has the same code whoever makes it.
   */
  put(view: CartLineView, sku: string, next: number): CartDecision {
    if (view.quantity === 0 && view.lineCount >= MAX_CART_LINES) {
      return internals.refuse(refusals.cartFull());
    }
    if (view.product === 'unavailable') {
      return internals.refuse(refusals.skuNotFound(sku));
    }
    return { kind: 'write', write: { op: 'put', sku, quantity: next } };
  },
};

/** `POST /cart/items`: adds `quantity` (1–99) on top of the line. */
export function decideAdd(view: CartLineView, sku: string, quantity: number): CartDecision {
  if (!internals.isQuantity(quantity, 1)) {
    return internals.refuse(refusals.addQuantityOutOfRange());
  }
  if (view.quantity + quantity > MAX_LINE_QUANTITY) {
    return internals.refuse(refusals.lineFull(sku, view.quantity));
  }
  return internals.put(view, sku, view.quantity + quantity);
}

/** `PUT /cart/items/{sku}`: sets the line to `quantity` (0–99); 0 removes it. */
export function decideSet(view: CartLineView, sku: string, quantity: number): CartDecision {
  if (!internals.isQuantity(quantity, 0)) {
    return internals.refuse(refusals.setQuantityOutOfRange());
  }
  if (quantity === 0) {
    return decideRemove(view, sku);
  }
  return internals.put(view, sku, quantity);
}

/** `DELETE /cart/items/{sku}`: removing a line the cart lacks changes nothing, so a retried removal is harmless. */
export function decideRemove(view: Pick<CartLineView, 'quantity'>, sku: string): CartDecision {
  return view.quantity === 0 ? { kind: 'unchanged' } : { kind: 'write', write: { op: 'delete', sku } };
}

/** `DELETE /cart`. */
export function decideClear(view: Pick<CartLineView, 'lineCount'>): CartDecision {
  return view.lineCount === 0 ? { kind: 'unchanged' } : { kind: 'write', write: { op: 'clear' } };
}

/** A product the catalogue shows, and so one a cart may take. */
export function productState(product: { active: boolean } | null | undefined): ProductState {
  return product?.active === true ? 'active' : 'unavailable';
}
