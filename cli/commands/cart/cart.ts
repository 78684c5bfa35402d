import type { Command } from 'commander';

import type { DepsProvider } from '../../deps.js';
import { commandGroup } from '../group.js';
import { cartAddCommand } from './add.js';
import { cartClearCommand } from './clear.js';
import { cartListCommand, cartListRun } from './list.js';
import { cartRemoveCommand } from './remove.js';
import { cartSetCommand } from './set.js';

/** `shop cart …`; bare `shop cart` lists it. */
export function cartCommand(deps: DepsProvider): Command {
  return commandGroup('cart', 'show and change your cart (shop cart = shop cart list)', () => cartListRun({ deps: deps() }))
    .addCommand(cartListCommand(deps))
    .addCommand(cartAddCommand(deps))
    .addCommand(cartSetCommand(deps))
    .addCommand(cartRemoveCommand(deps))
    .addCommand(cartClearCommand(deps));
}
