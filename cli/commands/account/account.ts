import { Command } from 'commander';

import type { DepsProvider } from '../../deps.js';
import { accountDeleteCommand } from './delete.js';
import { accountExportCommand } from './export.js';
import { accountPasswordCommand } from './password.js';

/** `shop account …`: the account's life after registration. Bare `shop account` is a usage error that shows the verbs. */
export function accountCommand(deps: DepsProvider): Command {
  return new Command('account')
    .description('change your password, export your data, or delete your account')
    .usage('<command>')
    .helpCommand(false)
    .addCommand(accountPasswordCommand(deps))
    .addCommand(accountExportCommand(deps))
    .addCommand(accountDeleteCommand(deps));
}
