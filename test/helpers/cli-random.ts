import type { ChangeOp } from '../../cli/store/change-op.js';
import type { PreferenceValue } from '../../shared/wire.js';

/** A small seeded generator (mulberry32), so a failing run can be replayed exactly. */
export interface SeededRandom {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const between = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return { next, between, pick: (items) => items[between(0, items.length - 1)] as (typeof items)[number] };
}

/**
 * A series of changes like a person makes: mostly adds of a few products, some sets and removes, the odd clear,
 * preference changes, and now and then an unknown SKU the server will refuse.
 */
export function randomChanges(random: SeededRandom, count: number, skus: readonly string[]): ChangeOp[] {
  const keys = ['theme', 'page.size', 'newsletter'];
  const values: PreferenceValue[] = ['dark', 'light', 10, 50, true, false, null];
  return Array.from({ length: count }, (): ChangeOp => {
    const roll = random.next();
    const sku = random.next() < 0.05 ? `NOPE-${random.between(1, 9)}` : random.pick(skus);
    if (roll < 0.55) {
      return { kind: 'cart.add', sku, quantity: random.between(1, 3) };
    }
    if (roll < 0.7) {
      return { kind: 'cart.set', sku, quantity: random.between(0, 5) };
    }
    if (roll < 0.78) {
      return { kind: 'cart.remove', sku };
    }
    if (roll < 0.8) {
      return { kind: 'cart.clear' };
    }
    if (roll < 0.92) {
      return { kind: 'prefs.set', key: random.pick(keys), value: random.pick(values) };
    }
    return { kind: 'prefs.unset', key: random.pick(keys) };
  });
}
