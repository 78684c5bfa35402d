import { PREFERENCE_KEY_PATTERN, SKU_PATTERN } from '../../shared/limits.js';
import { isPreferenceValue } from '../../shared/rules/preferences.js';
import type { ChangeOp } from '../../shared/wire.js';
import { isExpectedOrder } from './order-op.js';

/** A change `shop` can queue while the server is unreachable and replay later: the push endpoint's op. */
export type { ChangeOp } from '../../shared/wire.js';

export type CartOp = Extract<ChangeOp, { kind: 'cart.add' | 'cart.set' | 'cart.remove' | 'cart.clear' }>;
export type PreferenceOp = Extract<ChangeOp, { kind: 'prefs.set' | 'prefs.unset' }>;
export type OrderOp = Extract<ChangeOp, { kind: 'order.place' }>;

export function isCartOp(op: ChangeOp): op is CartOp {
  return op.kind.startsWith('cart.');
}

export function isPreferenceOp(op: ChangeOp): op is PreferenceOp {
  return op.kind.startsWith('prefs.');
}

/** A change that bears on the cart: a cart op, or an order, which empties it. */
export function changesCart(op: ChangeOp): op is CartOp | OrderOp {
  return isCartOp(op) || op.kind === 'order.place';
}

/** Checks an op read back from the outbox file, which a person or an older `shop` may have written. */
export function isChangeOp(value: unknown): value is ChangeOp {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const op = value as Record<string, unknown>;
  const sku = typeof op.sku === 'string' && SKU_PATTERN.test(op.sku);
  const quantity = typeof op.quantity === 'number' && Number.isInteger(op.quantity) && op.quantity >= 0;
  const key = typeof op.key === 'string' && PREFERENCE_KEY_PATTERN.test(op.key);
  switch (op.kind) {
    case 'cart.add':
    case 'cart.set':
      return sku && quantity;
    case 'cart.remove':
      return sku;
    case 'cart.clear':
      return true;
    case 'prefs.set':
      return key && isPreferenceValue(op.value);
    case 'prefs.unset':
      return key;
    case 'order.place':
      return isExpectedOrder(op.expect);
    default:
      return false;
  }
}
