import type { Cart, ChangeAnswer } from '../../shared/wire.js';
import type { ApiClient } from '../api/client.js';
import { formatAmount } from '../format.js';
import { preferenceToText } from '../preference-text.js';
import type { CartOp, ChangeOp } from '../store/change-op.js';

/** What the server answered to a change, for a sync, which sends ops of every kind and saves what they return. */
export type OpResult = ChangeAnswer;

/** Sends one cart change with its idempotency key; the answer is the cart as the server now has it. */
export function sendCartOp(api: ApiClient, op: CartOp, key: string): Promise<Cart> {
  switch (op.kind) {
    case 'cart.add':
      return api.addItem(op.sku, op.quantity, key);
    case 'cart.set':
      return api.setItem(op.sku, op.quantity, key);
    case 'cart.remove':
      return api.removeItem(op.sku, key);
    case 'cart.clear':
      return api.clearCart(key);
  }
}

/**
 * The command line that makes the same change, e.g. `cart add MUG-BLUE 2`: how `shop queue` and `shop sync` name an
 * op, for people and for scripts alike.
 */
export function describeOp(op: ChangeOp): string {
  switch (op.kind) {
    case 'cart.add':
      return `cart add ${op.sku} ${op.quantity}`;
    case 'cart.set':
      return `cart set ${op.sku} ${op.quantity}`;
    case 'cart.remove':
      return `cart remove ${op.sku}`;
    case 'cart.clear':
      return 'cart clear';
    case 'prefs.set':
      return `prefs set ${op.key} ${preferenceToText(op.value)}`;
    case 'prefs.unset':
      return `prefs unset ${op.key}`;
    case 'order.place':
      return `checkout ${formatAmount(op.expect.subtotal, op.expect.currency)} ${op.expect.currency} (${op.expect.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ')})`;
  }
}
