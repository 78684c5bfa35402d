import { Command } from 'commander';

import { expectedOrder } from '../../../shared/rules/checkout.js';
import type { Cart } from '../../../shared/wire.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { UserError, usageError } from '../../errors.js';
import { formatAmount, sanitize } from '../../format.js';
import { newIdempotencyKey } from '../../unique-id.js';
import { orderView } from '../../views/orders.js';

export interface CheckoutOptions {
  deps: CommandDeps;
  yes: boolean;
}

const internals = {
  /** What the user is asked to confirm: every line and the total, on stderr (stdout is for the order). */
  summary(cart: Cart): string {
    const lines = cart.lines.map(
      (line) => `  ${line.quantity} × ${line.sku}  ${sanitize(line.name)}  ${formatAmount(line.lineTotal, cart.currency)} ${cart.currency}`,
    );
    return [`Your cart (${cart.itemCount} items):`, ...lines, `  Total ${formatAmount(cart.subtotal, cart.currency)} ${cart.currency}`].join('\n');
  },
};

export function checkoutCommand(deps: DepsProvider, run = checkoutRun): Command {
  return new Command('checkout')
    .description('order what is in the cart: shows the cart and total and asks first (--yes when not on a terminal)')
    .option('-y, --yes', 'do not ask; required when not on a terminal')
    .action((options: { yes?: boolean }) => run({ deps: deps(), yes: options.yes === true }));
}

/**
 * Reads the cart, shows it with its total, asks, and orders exactly that: the cart version goes as `If-Match` and the
 * lines and total as the price guard, so a cart or price that changed after it was shown is refused, never charged.
 */
export async function checkoutRun({ deps, yes }: CheckoutOptions): Promise<void> {
  if (!yes && !deps.prompt.interactive) {
    throw usageError('shop checkout places an order; pass --yes to confirm when not running on a terminal');
  }
  const api = deps.api();
  const cart = await deps.output.waitFor('Fetching your cart…', api.getCart());
  if (cart.lines.length === 0) {
    throw new UserError('Your cart is empty: there is nothing to order (CART_EMPTY)');
  }
  await deps.output.info(internals.summary(cart));
  if (!yes && !(await deps.prompt.confirm(`Place this order for ${formatAmount(cart.subtotal, cart.currency)} ${cart.currency}?`))) {
    await deps.output.info('No order placed.');
    return;
  }
  const order = await deps.output.waitFor('Placing your order…', api.checkout(expectedOrder(cart), cart.version, newIdempotencyKey()));
  await deps.output.info(`Placed order ${order.id} for ${formatAmount(order.subtotal, order.currency)} ${order.currency}.`);
  await deps.output.show(orderView, order);
}
