import { InvalidArgumentError } from 'commander';

import {
  MAX_LINE_QUANTITY,
  MAX_PRODUCT_PAGE,
  MAX_QUERY_LENGTH,
  PREFERENCE_KEY_PATTERN,
  SKU_PATTERN,
} from '../shared/limits.js';
import type { PreferenceValue } from '../shared/wire.js';
import { parseTimeoutSeconds } from './api/time-budget.js';
import { preferenceFromText } from './preference-text.js';

/**
 * Argument parsers for commander. They throw InvalidArgumentError, which commander reports as a usage error
 * (exit 2) naming the argument. Limits come from shared/limits.ts; the server checks them again.
 */

/** SKUs are upper-case on the server; `mug-blue` is accepted as `MUG-BLUE`. */
export function parseSku(text: string): string {
  const sku = text.trim().toUpperCase();
  if (!SKU_PATTERN.test(sku)) {
    throw new InvalidArgumentError('a SKU is letters, digits and dashes, e.g. MUG-BLUE.');
  }
  return sku;
}

export function parseInteger(text: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}.`);
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be from ${min} to ${max}.`);
  }
  return value;
}

/** How many to add: 1–99. */
export function parseAddQuantity(text: string): number {
  return parseInteger(text, 1, MAX_LINE_QUANTITY, 'the quantity');
}

/** The quantity a line is set to: 0–99, where 0 removes the line. */
export function parseSetQuantity(text: string): number {
  return parseInteger(text, 0, MAX_LINE_QUANTITY, 'the quantity');
}

export function parseLimit(text: string): number {
  return parseInteger(text, 1, MAX_PRODUCT_PAGE, '--limit');
}

export function parseOffset(text: string): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError('--offset must be a whole number, 0 or more.');
  }
  return Number(text);
}

export function parseQuery(text: string): string {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new InvalidArgumentError(`a search is at most ${MAX_QUERY_LENGTH} characters.`);
  }
  return text;
}

export function parsePreferenceKey(text: string): string {
  if (!PREFERENCE_KEY_PATTERN.test(text)) {
    throw new InvalidArgumentError(
      'a key starts with a lower-case letter, then up to 63 of a-z 0-9 . _ - (e.g. locale, ui.theme).',
    );
  }
  return text;
}

/** A preference value from the command line; see {@link preferenceFromText}. */
export function parsePreferenceValue(text: string): PreferenceValue {
  return preferenceFromText(text);
}

/** `shop cart add` takes a SKU, or `-` to read `SKU [QTY]` lines from stdin. */
export function parseSkuOrStdin(text: string): string {
  return text === '-' ? text : parseSku(text);
}

/** `--timeout SECONDS`: how long the command may wait on the server in all. */
export function parseTimeout(text: string): number {
  const seconds = parseTimeoutSeconds(text);
  if (seconds === undefined) {
    throw new InvalidArgumentError('--timeout is in seconds, from 0.1 to 3600, e.g. --timeout 30.');
  }
  return seconds;
}
