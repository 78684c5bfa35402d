import { Command } from 'commander';

import { jwtSubject } from '../../api/jwt.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { ExitCode, GUEST_HINT, UserError, usageError } from '../../errors.js';
import { forgetAccount } from '../../offline/forget-account.js';
import { plural } from '../../offline/notices.js';
import { requireAccount } from '../../offline/accounts.js';
import { accountDeletedView } from '../../views/account.js';
import { readPassword } from '../auth/credentials-input.js';

export interface AccountDeleteOptions {
  deps: CommandDeps;
  yes: boolean;
  passwordStdin: boolean;
}

export function accountDeleteCommand(deps: DepsProvider): Command {
  return new Command('delete')
    .description('delete your account and everything the server holds about it, for good')
    .option('-y, --yes', 'do not ask for the email to be typed back; required when not on a terminal')
    .option('--password-stdin', 'read the password from stdin')
    .action((options: { yes?: boolean; passwordStdin?: boolean }) =>
      accountDeleteRun({ deps: deps(), yes: options.yes === true, passwordStdin: options.passwordStdin === true }),
    );
}

/**
 * On a terminal the email is typed back before the password is asked for; anywhere else `--yes` and
 * `--password-stdin` say the same. Once the server has deleted the account, this machine forgets its login, its queued
 * changes and its saved copies.
 */
export async function accountDeleteRun({ deps, yes, passwordStdin }: AccountDeleteOptions): Promise<void> {
  if (!yes && !deps.prompt.interactive) {
    throw usageError('shop account delete deletes your account for good; pass --yes (and --password-stdin) when not running on a terminal');
  }
  if (!(passwordStdin && !deps.io.stdinIsTTY) && !deps.prompt.interactive) {
    // Said before anything reaches the server; readPassword would only say it after the confirmation.
    throw usageError('a password is needed: pipe it in with --password-stdin (passwords are never taken from arguments)');
  }
  const server = deps.server().url;
  requireAccount({ server, config: deps.config, envToken: deps.envToken });
  // Whose account this is, from the server: the name typed back must be the one that will be deleted.
  const me = await deps.output.waitFor('Checking your login…', deps.api().me());
  if (me.email === null) {
    throw new UserError(GUEST_HINT, ExitCode.authRequired);
  }
  if (!yes) {
    await deps.output.info(`This deletes ${me.email} on ${server} for good: its cart, preferences and every login. It cannot be undone.`);
    const typed = await deps.prompt.text(`Type ${me.email} to confirm:`);
    if (typed.trim().toLowerCase() !== me.email.toLowerCase()) {
      throw new UserError('that is not the email of this account; nothing was deleted');
    }
  }
  const password = await readPassword(deps, { fromStdin: passwordStdin, choosing: false });
  await deps.output.waitFor('Deleting your account…', deps.api().deleteAccount(password));

  const droppedChanges = await forgetAccount(deps.offline(), { server, userId: me.id });
  const stored = deps.config.credentials(server);
  if (stored !== undefined && jwtSubject(stored.accessToken) === me.id) {
    await deps.config.deleteCredentials(server);
  }
  await deps.output.info(`Deleted the account ${me.email} on ${server}, and forgot its login and saved copies here.`);
  if (droppedChanges > 0) {
    await deps.output.info(`${plural(droppedChanges, 'queued change')} of the account dropped.`);
  }
  if (deps.envToken !== undefined) {
    await deps.output.info('SHOP_TOKEN belonged to the deleted account; unset it.');
  }
  await deps.output.show(accountDeletedView, { server, id: me.id, email: me.email, droppedChanges });
}
