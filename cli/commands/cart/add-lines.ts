import { InvalidArgumentError } from 'commander';

import { parseAddQuantity, parseSku } from '../../args.js';
import { ApiError } from '../../api/errors.js';
import type { CommandDeps } from '../../deps.js';
import { UserError } from '../../errors.js';
import { readLines } from '../../io.js';
import { queuedNotice } from '../../offline/notices.js';
import type { ChangeResult } from '../../offline/offline-first-client.js';
import type { ProjectedCart } from '../../offline/projection.js';
import { readProvenance } from '../../views/provenance.js';
import { type CartBatch, type CartBatchLine, cartBatchView } from '../../views/cart.js';
import { becomeGuestIfLoggedOut } from '../auth/guest.js';

export interface CartAddLinesOptions {
  deps: CommandDeps;
}

/**
 * `shop cart add -`: one change per `SKU [QTY]` line of stdin, as the lines arrive. A line the server refuses (unknown
 * SKU, over the limit) is reported and skipped. When the server cannot be reached, each line is queued instead — and
 * said so on stderr only once it is safely in the outbox; an authentication failure stops the run, since every later
 * line would fail the same way. Blank lines and `#` comments are ignored.
 */
export async function cartAddLinesRun({ deps }: CartAddLinesOptions): Promise<void> {
  await becomeGuestIfLoggedOut(deps);
  const { client } = deps.offline();
  if (deps.io.stdinIsTTY) {
    await deps.output.info('Reading "SKU [QTY]" lines; finish with Ctrl-D.');
  }
  const results: CartBatchLine[] = [];
  let last: ChangeResult<ProjectedCart> | undefined;
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
      last = await client.changeCart({ kind: 'cart.add', ...item });
      if (last.status === 'applied') {
        results.push({ line: lineNumber, input: text, ok: true, ...item, status: 'applied' });
      } else {
        results.push({ line: lineNumber, input: text, ok: true, ...item, status: 'queued', id: last.entry.id });
        if (last.warning !== undefined) {
          await deps.output.info(`line ${lineNumber}: ${last.warning}`);
        }
        await deps.output.info(`line ${lineNumber}: queued ${item.sku} ${item.quantity}`);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) {
        const done = results.filter((result) => result.ok).length;
        await deps.output.info(`Stopped at line ${lineNumber}; ${done} earlier line(s) were added or queued.`);
        throw error;
      }
      results.push({ line: lineNumber, input: text, ok: false, ...item, code: error.code ?? 'HTTP_' + error.status, message: error.message });
      await deps.output.info(`line ${lineNumber}: ${item.sku}: ${error.message}${error.code === undefined ? '' : ` (${error.code})`}`);
    }
  }

  const added = results.filter((result) => result.status === 'applied').length;
  const queued = results.filter((result) => result.status === 'queued').length;
  const failed = results.length - added - queued;
  const batch: CartBatch = { added, queued, failed, results, ...(await finalCart(deps, last)) };
  await deps.output.info(summary(results.length, added, queued, failed));
  if (last?.status === 'queued') {
    await deps.output.info(queuedNotice(last));
  }
  await deps.output.show(cartBatchView, batch);
  if (failed > 0) {
    throw new UserError(`${failed} of ${results.length} line(s) could not be added`);
  }
}

/** The cart after the last accepted line, or as it is when no line was accepted. */
async function finalCart(deps: CommandDeps, last: ChangeResult<ProjectedCart> | undefined): Promise<Pick<CartBatch, 'cart' | 'cartSource'>> {
  if (last !== undefined) {
    return {
      cart: last.value,
      cartSource: last.status === 'applied' ? { source: 'server' } : { source: 'cache', asOf: last.asOf, pending: last.pending },
    };
  }
  const { client } = deps.offline();
  const read = await client.cart();
  return { cart: read.value, cartSource: readProvenance(read) };
}

function summary(lines: number, added: number, queued: number, failed: number): string {
  if (lines === 0) {
    return 'No lines to add.';
  }
  const accepted = queued === 0 ? `Added ${added}` : added === 0 ? `Queued ${queued}` : `Added ${added} and queued ${queued}`;
  return `${accepted} of ${lines} line(s)${failed > 0 ? `; ${failed} failed` : ''}.`;
}

function parseLine(text: string): { sku: string; quantity: number } {
  const [sku, quantity, ...rest] = text.split(/\s+/);
  if (sku === undefined || rest.length > 0) {
    throw new InvalidArgumentError('expected "SKU [QTY]".');
  }
  return { sku: parseSku(sku), quantity: quantity === undefined ? 1 : parseAddQuantity(quantity) };
}
