import { MAX_CART_LINES, SKU_PATTERN } from '../../shared/limits.js';
import type { ExpectedOrder } from '../../shared/rules/checkout.js';

const internals = {
  whole: (value: unknown, min: number): boolean => typeof value === 'number' && Number.isInteger(value) && value >= min,
};

/** Checks the `expect` of a queued order read back from the outbox file, which a person or an older `shop` may have written. */
export function isExpectedOrder(value: unknown): value is ExpectedOrder {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const expect = value as Record<string, unknown>;
  return (
    Array.isArray(expect.lines) &&
    expect.lines.length > 0 &&
    expect.lines.length <= MAX_CART_LINES &&
    expect.lines.every((line: unknown) => {
      const { sku, quantity, unitPrice } = (line ?? {}) as Record<string, unknown>;
      return typeof sku === 'string' && SKU_PATTERN.test(sku) && internals.whole(quantity, 1) && internals.whole(unitPrice, 0);
    }) &&
    internals.whole(expect.subtotal, 0) &&
    typeof expect.currency === 'string' &&
    /^[A-Z]{3}$/.test(expect.currency)
  );
}
