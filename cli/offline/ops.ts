import { PREFERENCE_KEY_PATTERN, SKU_PATTERN } from '../../shared/limits.js';
import type { Cart, Preference, PreferenceValue } from '../../shared/wire.js';
import type { ApiClient } from '../api/client.js';
import { parsePreferenceValue } from '../args.js';

/**
 * A change to the server's state that `shop` can queue while the server is unreachable and replay later. Plain data,
 * so it can be written to the outbox and read back by another version of `shop`.
 */
export type ChangeOp =
  | { kind: 'cart.add'; sku: string; quantity: number }
  | { kind: 'cart.set'; sku: string; quantity: number }
  | { kind: 'cart.remove'; sku: string }
  | { kind: 'cart.clear' }
  | { kind: 'prefs.set'; key: string; value: PreferenceValue }
  | { kind: 'prefs.unset'; key: string };

export type CartOp = Extract<ChangeOp, { kind: 'cart.add' | 'cart.set' | 'cart.remove' | 'cart.clear' }>;
export type PreferenceOp = Extract<ChangeOp, { kind: 'prefs.set' | 'prefs.unset' }>;

/** What the server answered to a change. */
export type OpResult =
  | { kind: 'cart'; cart: Cart }
  | { kind: 'preference'; preference: Preference }
  | { kind: 'preference-removed'; key: string };

export function isCartOp(op: ChangeOp): op is CartOp {
  return op.kind.startsWith('cart.');
}

/** Sends one change with its idempotency key: the same key on every attempt, however many processes and days apart. */
export async function sendOp(api: ApiClient, op: ChangeOp, key: string): Promise<OpResult> {
  switch (op.kind) {
    case 'cart.add':
      return { kind: 'cart', cart: await api.addItem(op.sku, op.quantity, key) };
    case 'cart.set':
      return { kind: 'cart', cart: await api.setItem(op.sku, op.quantity, key) };
    case 'cart.remove':
      return { kind: 'cart', cart: await api.removeItem(op.sku, key) };
    case 'cart.clear':
      return { kind: 'cart', cart: await api.clearCart(key) };
    case 'prefs.set':
      return { kind: 'preference', preference: await api.setPreference(op.key, op.value, key) };
    case 'prefs.unset':
      await api.deletePreference(op.key, key);
      return { kind: 'preference-removed', key: op.key };
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
      return `prefs set ${op.key} ${preferenceArgument(op.value)}`;
    case 'prefs.unset':
      return `prefs unset ${op.key}`;
  }
}

/** The value as `shop prefs set` would need it typed: bare when it reads back as itself, JSON otherwise. */
function preferenceArgument(value: PreferenceValue): string {
  if (typeof value === 'string' && value !== '' && !/\s/.test(value) && parsePreferenceValue(value) === value) {
    return value;
  }
  return JSON.stringify(value);
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

function isPreferenceValue(value: unknown): value is PreferenceValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
