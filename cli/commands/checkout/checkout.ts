import { Command } from 'commander';

import { expectedOrder } from '../../../shared/rules/checkout.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { UserError, usageError } from '../../errors.js';
import { formatAmount, sanitize } from '../../format.js';
import { queuedNotice, staleNotice } from '../../offline/notices.js';
import type { ProjectedCart } from '../../offline/projection.js';
import { orderView, queuedOrderView } from '../../views/orders.js';
import { refuseGuest } from '../auth/guest.js';

export interface CheckoutOptions {
  deps: CommandDeps;
  yes: boolean;
}

/** A cart whose every price is known: what can be ordered, since the user must see the total. */
type PricedCart = Omit<ProjectedCart, 'lines'> & { lines: Array<{ sku: string; name: string; quantity: number; unitPrice: number; lineTotal: number }> };

const internals = {
  /** What the user is asked to confirm: every line and the total, on stderr (stdout is for the order). */
  summary(cart: PricedCart): string {
    const lines = cart.lines.map(
      (line) => `  ${line.quantity} × ${line.sku}  ${sanitize(line.name)}  ${formatAmount(line.lineTotal, cart.currency)} ${cart.currency}`,
    );
    return [`Your cart (${cart.itemCount} items):`, ...lines, `  Total ${formatAmount(cart.subtotal, cart.currency)} ${cart.currency}`].join('\n');
  },

  priced(cart: ProjectedCart): PricedCart {
    const unknown = cart.lines.find((line) => line.unitPrice === null);
    if (unknown !== undefined) {
      throw new UserError(`the price of ${unknown.sku} is not known here, so there is no total to confirm; check out when the server can be reached`);
    }
    return cart as PricedCart; // every price is known, and so every name and line total
  },
};

export function checkoutCommand(deps: DepsProvider): Command {
  return new Command('checkout')
    .description('order what is in the cart: shows the cart and total and asks first (--yes when not on a terminal); queued offline')
    .option('-y, --yes', 'do not ask; required when not on a terminal')
    .action((options: { yes?: boolean }) => checkoutRun({ deps: deps(), yes: options.yes === true }));
}

/**
 * Reads the cart (the saved copy with queued changes applied, offline), shows it with its total, asks, and orders
 * exactly that: the lines and total go with the order as its price guard (and the cart version as `If-Match` when the
 * cart came from the server), so a cart or price that changed after it was shown is refused, never charged. Offline the
 * order is queued with that guard and placed at `shop sync` only if it still holds.
 */
export async function checkoutRun({ deps, yes }: CheckoutOptions): Promise<void> {
  // Orders are an account's: a guest is told to register or log in before anything is sent or queued.
  refuseGuest(deps);
  if (!yes && !deps.prompt.interactive) {
    throw usageError('shop checkout places an order; pass --yes to confirm when not running on a terminal');
  }
  const { client } = deps.offline();
  const read = await deps.output.waitFor('Fetching your cart…', client.cart());
  if (read.source === 'cache') {
    await deps.output.info(staleNotice(read, deps.output.now(), deps.output.mode === 'tty' ? deps.output.theme.locale : undefined));
  }
  if (read.value.lines.length === 0) {
    throw new UserError('Your cart is empty: there is nothing to order (CART_EMPTY)');
  }
  const cart = internals.priced(read.value);
  const total = `${formatAmount(cart.subtotal, cart.currency)} ${cart.currency}`;
  await deps.output.info(internals.summary(cart));
  const question = read.source === 'server' ? `Place this order for ${total}?` : `Queue this order for ${total}, to be placed at the next sync?`;
  if (!yes && !(await deps.prompt.confirm(question))) {
    await deps.output.info('No order placed.');
    return;
  }
  const expect = expectedOrder(cart);
  const change = await deps.output.waitFor('Placing your order…', client.placeOrder(expect, read.source === 'server' ? cart.version : undefined));
  if (change.status === 'applied' && change.value !== null) {
    await deps.output.info(`Placed order ${change.value.id} for ${formatAmount(change.value.subtotal, change.value.currency)} ${change.value.currency}.`);
    await deps.output.show(orderView, change.value);
    return;
  }
  if (change.status === 'queued') {
    await deps.output.info(queuedNotice(change));
    await deps.output.info(`The order will be placed only if the cart then holds exactly these lines at ${total}; otherwise it is refused (CART_CHANGED).`);
    await deps.output.show(queuedOrderView, { id: change.entry.id, expect });
  }
}
