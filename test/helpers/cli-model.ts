import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { ChangeOp } from '../../cli/store/change-op.js';
import type { StoredCredentials } from '../../cli/store/config-store.js';
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../../shared/limits.js';
import type { Cart, PreferenceValue, Preferences } from '../../shared/wire.js';

/**
 * What the server should hold after a series of changes, each applied exactly once, by the server's rules: the
 * yardstick the end-to-end tests hold a replayed outbox against. Carts compare as `SKU → quantity`, preferences as
 * `key → value`.
 */
export interface ShopModel {
  cart: Record<string, number>;
  preferences: Record<string, PreferenceValue>;
}

export function emptyModel(): ShopModel {
  return { cart: {}, preferences: {} };
}

/**
 * Applies one change the way the server does, or leaves the model alone where the server refuses it: an unknown or
 * inactive SKU, a line past 99, a 101st line. Unsetting a key that is not set succeeds (204), so a repeated unset
 * does too. Preference keys used by the tests have no value rules.
 */
export function applyToModel(model: ShopModel, op: ChangeOp, activeSkus: ReadonlySet<string>): 'applied' | 'refused' {
  const { cart, preferences } = model;
  const lines = Object.keys(cart).length;
  switch (op.kind) {
    case 'cart.add': {
      const current = cart[op.sku];
      if (!activeSkus.has(op.sku) || (current === undefined && lines >= MAX_CART_LINES) || (current ?? 0) + op.quantity > MAX_LINE_QUANTITY) {
        return 'refused';
      }
      cart[op.sku] = (current ?? 0) + op.quantity;
      return 'applied';
    }
    case 'cart.set':
      if (op.quantity === 0) {
        delete cart[op.sku];
        return 'applied';
      }
      if (!activeSkus.has(op.sku) || (cart[op.sku] === undefined && lines >= MAX_CART_LINES)) {
        return 'refused';
      }
      cart[op.sku] = op.quantity;
      return 'applied';
    case 'cart.remove':
      delete cart[op.sku];
      return 'applied';
    case 'cart.clear':
      model.cart = {};
      return 'applied';
    case 'prefs.set':
      preferences[op.key] = op.value;
      return 'applied';
    case 'prefs.unset':
      delete preferences[op.key];
      return 'applied';
    case 'order.place':
      // The model tests generate no checkouts: an order needs prices, which the model does not keep.
      return 'refused';
  }
}

/** The model of what a cart and preferences read from the server hold. */
export function modelOf(cart: Cart, preferences: Preferences): ShopModel {
  return { cart: Object.fromEntries(cart.lines.map((line) => [line.sku, line.quantity])), preferences: { ...preferences.preferences } };
}

/**
 * What the server holds for the user logged in in `configDir`, asked over HTTP with the stored access token — not
 * through `shop`, which is what is being tested.
 */
export async function serverState(server: string, configDir: string): Promise<ShopModel> {
  const stored = JSON.parse(await readFile(join(configDir, 'credentials.json'), 'utf8')) as Record<string, StoredCredentials>;
  const token = stored[server]?.accessToken;
  if (token === undefined) {
    throw new Error(`no login for ${server} in ${configDir}`);
  }
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${server}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) {
      throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
    }
    return (await response.json()) as T;
  };
  return modelOf(await get<Cart>('/cart'), await get<Preferences>('/preferences'));
}

/** Sorted, so two models compare equal whatever order their keys were set in. */
export function normalizeModel(model: ShopModel): ShopModel {
  const sorted = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { cart: sorted(model.cart), preferences: sorted(model.preferences) };
}

