import { Command } from 'commander';

import { ApiError, AuthenticationError, ServerUnreachableError } from '../../api/errors.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { UserError } from '../../errors.js';
import { type CurrentAccount, findAccount } from '../../offline/accounts.js';
import { plural } from '../../offline/notices.js';
import { newIdempotencyKey } from '../../unique-id.js';
import { type LogoutResult, logoutView } from '../../views/auth.js';

export interface LogoutOptions {
  deps: CommandDeps;
  all: boolean;
}

export function logoutCommand(deps: DepsProvider): Command {
  return new Command('logout')
    .description('revoke the stored login and forget it')
    .option('--all', 'revoke every login of your account, on every machine')
    .action((options: { all?: boolean }) => logoutRun({ deps: deps(), all: options.all === true }));
}

/**
 * Without `--all` the local credentials are removed even when the server cannot be told — logging out here is what
 * the person asked for. With `--all` revoking everywhere is the point, so a failure to reach the server fails the
 * command (exit 3; the local credentials are kept, to retry with).
 *
 * Changes still queued for this user are sent first, while the login can still send them; those that cannot be sent
 * stay queued, tied to the user, and go out after the next `shop login` as the same user.
 */
export async function logoutRun({ deps, all }: LogoutOptions): Promise<void> {
  const server = deps.server().url;
  const stored = deps.config.credentials(server);
  const envToken = deps.env.SHOP_TOKEN !== undefined && deps.env.SHOP_TOKEN !== '';
  const account = findAccount({ server, config: deps.config, envToken: deps.envToken });
  if (account !== undefined) {
    await sendQueuedBeforeLogout(deps);
    if (queuedFor(deps, account) === 0) {
      await forgetDevice(deps, account);
    }
  }
  let result: LogoutResult;

  if (all) {
    await deps.output.waitFor('Revoking every login…', deps.api().logout('all', newIdempotencyKey()));
    await deps.config.deleteCredentials(server);
    await deps.output.info(`Revoked every login of your account on ${server}.`);
    result = { server, revoked: 'all' };
  } else if (stored === undefined) {
    await deps.output.info(`Not logged in to ${server}.`);
    result = { server, revoked: 'none' };
  } else {
    result = { server, revoked: stored.refreshToken === null ? 'none' : await revokeSession(deps) };
    await deps.config.deleteCredentials(server);
    await deps.output.info(`Logged out of ${server}.`);
  }

  if (account !== undefined && stored !== undefined) {
    await forgetSavedCopies(deps, account);
  }
  if (envToken) {
    await deps.output.info('SHOP_TOKEN is still set; unset it to stop using that token.');
  }
  const kept = account === undefined ? 0 : queuedFor(deps, account);
  if (kept > 0) {
    await deps.output.info(`${plural(kept, 'queued change')} kept; sent after you log in again as ${account?.email ?? 'the same user'}.`);
  }
  await deps.output.show(logoutView, result);
}

/** How many changes wait for `account`; a damaged outbox has already been reported, and must not fail the logout. */
function queuedFor(deps: CommandDeps, account: CurrentAccount): number {
  try {
    return deps.offline().outbox.pendingFor(account).length;
  } catch (error) {
    if (error instanceof UserError) {
      return 0;
    }
    throw error;
  }
}

/** The saved copies hold the user's email, cart and preferences: they go with the login. Best effort, as saving them is. */
async function forgetSavedCopies(deps: CommandDeps, account: CurrentAccount): Promise<void> {
  await deps
    .offline()
    .cache.forgetAccount(account)
    .catch((error: Error) => deps.debug(`could not forget the saved copies: ${error.message}`));
}

/**
 * With nothing left queued, this machine's device for the account has nothing more to number: the server forgets it
 * (so a user's devices are only those in use) and so does this machine; the next push starts a new one. Best effort on
 * the server's side — a device it keeps is evicted in time — but always here.
 */
async function forgetDevice(deps: CommandDeps, account: CurrentAccount): Promise<void> {
  const { outbox } = deps.offline();
  const device = outbox.device(account);
  if (device === undefined) {
    return;
  }
  if (device.pushed) {
    try {
      await deps.api().forgetDevice(device.id);
    } catch (error) {
      if (!(error instanceof ApiError || error instanceof AuthenticationError || error instanceof ServerUnreachableError)) {
        throw error;
      }
      deps.debug(`could not tell the server to forget this device: ${error.message}`);
    }
  }
  await outbox.deleteDevice(account);
}

/** Best effort: logging out must work even when the queue cannot be sent, or cannot be read. */
async function sendQueuedBeforeLogout(deps: CommandDeps): Promise<void> {
  try {
    const { client } = deps.offline();
    await client.syncPending();
  } catch (error) {
    if (!(error instanceof UserError || error instanceof AuthenticationError)) {
      throw error;
    }
    await deps.output.info(`Could not send queued changes first: ${error.message}`);
  }
}

async function revokeSession(deps: CommandDeps): Promise<LogoutResult['revoked']> {
  try {
    await deps.output.waitFor('Logging out…', deps.api().logout('session', newIdempotencyKey()));
    return 'session';
  } catch (error) {
    if (error instanceof ApiError || error instanceof AuthenticationError || error instanceof ServerUnreachableError) {
      // An expired or revoked login has nothing left to revoke; an unreachable server is reported but not fatal.
      await deps.output.info(`Could not revoke the login on the server (${error.message}); forgetting it here anyway.`);
      return 'none';
    }
    throw error;
  }
}
