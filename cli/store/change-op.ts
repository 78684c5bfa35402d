import { PREFERENCE_KEY_PATTERN, SKU_PATTERN } from '../../shared/limits.js';
import { isPreferenceValue } from '../../shared/rules/preferences.js';
import type { ChangeOp } from '../../shared/wire.js';

/** A change `shop` can queue while the server is unreachable and replay later: the push endpoint's op. */
export type { ChangeOp } from '../../shared/wire.js';

export type CartOp = Extract<ChangeOp, { kind: 'cart.add' | 'cart.set' | 'cart.remove' | 'cart.clear' }>;
export type PreferenceOp = Extract<ChangeOp, { kind: 'prefs.set' | 'prefs.unset' }>;

export function isCartOp(op: ChangeOp): op is CartOp {
  return op.kind.startsWith('cart.');
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
    default:
      return false;
  }
}
