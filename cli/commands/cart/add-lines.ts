import { InvalidArgumentError } from 'commander';

import type { Cart } from '../../../shared/wire.js';
import { parseAddQuantity, parseSku } from '../../args.js';
import { ApiError } from '../../api/errors.js';
import type { CommandDeps } from '../../deps.js';
import { UserError } from '../../errors.js';
import { readLines } from '../../io.js';
import { type CartBatch, type CartBatchLine, cartBatchView } from '../../views/cart.js';

export interface CartAddLinesOptions {
  deps: CommandDeps;
}

/**
 * `shop cart add -`: one request per `SKU [QTY]` line of stdin, as the lines arrive. A line the server refuses
 * (unknown SKU, over the limit) is reported and skipped; an authentication failure or an unreachable server stops the
 * run, since every later line would fail the same way. Blank lines and `#` comments are ignored.
 */
export async function cartAddLinesRun({ deps }: CartAddLinesOptions): Promise<void> {
  const api = deps.api();
  if (deps.io.stdinIsTTY) {
    await deps.output.info('Reading "SKU [QTY]" lines; finish with Ctrl-D.');
  }
  const results: CartBatchLine[] = [];
  let cart: Cart | undefined;
  let lineNumber = 0;
  for await (const raw of readLines(deps.io.stdin)) {
    lineNumber += 1;
    const text = raw.replace(/#.*$/, '').trim();
    if (text === '') {
      continue;
    }
    let item: { sku: string; quantity: number };
    try {
      item = parseLine(text);
    } catch (error) {
      const message = error instanceof InvalidArgumentError ? error.message : String(error);
      results.push({ line: lineNumber, input: text, ok: false, code: 'INVALID_LINE', message });
      await deps.output.info(`line ${lineNumber}: "${text}": ${message}`);
      continue;
    }
    try {
      cart = await api.addItem(item.sku, item.quantity);
      results.push({ line: lineNumber, input: text, ok: true, ...item });
    } catch (error) {
      if (!(error instanceof ApiError)) {
        const added = results.filter((result) => result.ok).length;
        await deps.output.info(`Stopped at line ${lineNumber}; ${added} earlier line(s) were added.`);
        throw error;
      }
      results.push({ line: lineNumber, input: text, ok: false, ...item, code: error.code ?? 'HTTP_' + error.status, message: error.message });
      await deps.output.info(`line ${lineNumber}: ${item.sku}: ${error.message}${error.code === undefined ? '' : ` (${error.code})`}`);
    }
  }

  const added = results.filter((result) => result.ok).length;
  const failed = results.length - added;
  const batch: CartBatch = { added, failed, results, cart: cart ?? (await api.getCart()) };
  await deps.output.info(
    results.length === 0 ? 'No lines to add.' : `Added ${added} of ${results.length} line(s)${failed > 0 ? `; ${failed} failed` : ''}.`,
  );
  await deps.output.show(cartBatchView, batch);
  if (failed > 0) {
    throw new UserError(`${failed} of ${results.length} line(s) could not be added`);
  }
}

function parseLine(text: string): { sku: string; quantity: number } {
  const [sku, quantity, ...rest] = text.split(/\s+/);
  if (sku === undefined || rest.length > 0) {
    throw new InvalidArgumentError('expected "SKU [QTY]".');
  }
  return { sku: parseSku(sku), quantity: quantity === undefined ? 1 : parseAddQuantity(quantity) };
}
