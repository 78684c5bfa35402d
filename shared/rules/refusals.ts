import type { ErrorCode } from '../errors.js';
import type { CartDifference } from '../wire.js';
import { MAX_CART_LINES, MAX_LINE_QUANTITY, MAX_PREFERENCE_VALUE_BYTES, MAX_PREFERENCES } from '../limits.js';

/** A change the rules say no to: the server sends it as the error body, the CLI prints it and exits 1. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  /** Machine-readable particulars, sent as the error body's `details` (e.g. which lines are out of stock). */
  details?: unknown;
}

/**
 * Every refusal the rules make, worded once: the server's error body and the CLI's offline refusal read the same,
 * character for character.
 */
export const refusals = {
  addQuantityOutOfRange: (): Refusal => ({
    code: 'QUANTITY_LIMIT',
    message: `Quantity to add must be a whole number from 1 to ${MAX_LINE_QUANTITY}`,
  }),
  setQuantityOutOfRange: (): Refusal => ({
    code: 'QUANTITY_LIMIT',
    message: `Quantity must be a whole number from 0 to ${MAX_LINE_QUANTITY}`,
  }),
  lineFull: (sku: string, current: number): Refusal => ({
    code: 'QUANTITY_LIMIT',
    message: `A line holds at most ${MAX_LINE_QUANTITY}; the cart already has ${current} of ${sku}`,
  }),
  cartFull: (): Refusal => ({ code: 'CART_TOO_LARGE', message: `A cart holds at most ${MAX_CART_LINES} different products` }),
  skuNotFound: (sku: string): Refusal => ({ code: 'SKU_NOT_FOUND', message: `No product with SKU ${sku}` }),
  preferenceKey: (key: string): Refusal => ({
    code: 'VALIDATION_FAILED',
    message: `"${key}" is not a preference key: a lower-case letter, then up to 63 of a-z 0-9 . _ -`,
  }),
  preferenceType: (): Refusal => ({
    code: 'PREFERENCE_INVALID',
    message: 'A preference value is a string, a finite number, true, false or null',
  }),
  preferenceSize: (): Refusal => ({
    code: 'PREFERENCE_INVALID',
    message: `A preference value may take at most ${MAX_PREFERENCE_VALUE_BYTES} bytes as JSON`,
  }),
  currency: (): Refusal => ({ code: 'PREFERENCE_INVALID', message: 'currency must be an ISO 4217 code such as "EUR" or "USD"' }),
  localeEmpty: (): Refusal => ({ code: 'PREFERENCE_INVALID', message: 'locale must be a BCP 47 language tag such as "en-GB"' }),
  locale: (value: string): Refusal => ({ code: 'PREFERENCE_INVALID', message: `locale "${value}" is not a valid BCP 47 language tag` }),
  preferencesFull: (): Refusal => ({ code: 'PREFERENCES_LIMIT', message: `A user keeps at most ${MAX_PREFERENCES} preferences` }),
  preferenceNotFound: (key: string): Refusal => ({ code: 'PREFERENCE_NOT_FOUND', message: `No preference named ${key}` }),
  idempotencyKeyReused: (): Refusal => ({
    code: 'IDEMPOTENCY_KEY_REUSED',
    message: 'This Idempotency-Key was already used for a different request',
  }),
  deviceUnknown: (): Refusal => ({
    code: 'DEVICE_UNKNOWN',
    message: 'This device is not known to the server (logged out or evicted): it cannot tell which of its changes were applied',
  }),
  idempotencyInFlight: (): Refusal => ({
    code: 'IDEMPOTENCY_IN_FLIGHT',
    message: 'A request with this Idempotency-Key is still being processed; retry shortly',
  }),
  precondition: (version: number, ifMatch: number): Refusal => ({
    code: 'PRECONDITION_FAILED',
    message: `Cart is at version ${version}, not ${ifMatch}; reload it and try again`,
  }),
} as const;

/** The refusals of a checkout, worded once like the others. */
export const checkoutRefusals = {
  cartEmpty: (): Refusal => ({ code: 'CART_EMPTY', message: 'The cart is empty: there is nothing to order' }),
  outOfStock: (lines: readonly StockShortfall[]): Refusal => ({
    code: 'OUT_OF_STOCK',
    message: `Not enough in stock: ${lines.map((line) => `${line.sku} (${line.requested} wanted, ${line.available} left)`).join(', ')}`,
    details: { lines },
  }),
  preconditionRequired: (): Refusal => ({
    code: 'PRECONDITION_REQUIRED',
    message: 'Send If-Match with the cart version you are ordering (the ETag of GET /cart)',
  }),
  orderNotFound: (id: string): Refusal => ({ code: 'ORDER_NOT_FOUND', message: `No order with id ${id}` }),
  cartChanged: (
    lines: readonly CartDifference[],
    expected: { subtotal: number; currency: string },
    actual: { subtotal: number; currency: string },
  ): Refusal => ({
    code: 'CART_CHANGED',
    message:
      `The cart is not what was confirmed: total ${actual.subtotal} ${actual.currency}, not ${expected.subtotal} ${expected.currency}` +
      (lines.length === 0 ? '' : `; changed: ${lines.map((line) => line.sku).join(', ')}`),
    details: { lines, expected, actual },
  }),
} as const;

/** A line a checkout cannot supply: `available` is 0 for a product no longer sold. */
export interface StockShortfall {
  sku: string;
  requested: number;
  available: number;
}
