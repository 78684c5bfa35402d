import { Command } from 'commander';

import { credentialsFromPair } from '../../api/session.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { newIdempotencyKey } from '../../unique-id.js';
import { registeredView } from '../../views/auth.js';
import { readEmail, readPassword } from './credentials-input.js';
import { describeMerge, GUEST_CART_GONE, guestTokenToMerge, isGuestGone, saveMergedCopies } from './guest.js';

export interface RegisterOptions {
  deps: CommandDeps;
  email: string | undefined;
  passwordStdin: boolean;
}

export function registerCommand(deps: DepsProvider): Command {
  return new Command('register')
    .description('create an account, and log in to it')
    .option('--email <email>', 'your email (asked for on a terminal)')
    .option('--password-stdin', 'read the new password from stdin')
    .action((options: { email?: string; passwordStdin?: boolean }) =>
      registerRun({ deps: deps(), email: options.email, passwordStdin: options.passwordStdin === true }),
    );
}

/**
 * Never queued: an account that does not exist yet has nobody to queue for, so with the server unreachable this fails
 * with exit 3. The idempotency key makes a retry after a dropped connection safe: the server answers it with the
 * account it already created rather than EMAIL_TAKEN.
 */
export async function registerRun({ deps, email, passwordStdin }: RegisterOptions): Promise<void> {
  deps.config.checkCredentialStore();
  const server = deps.server().url;
  const previous = deps.config.credentials(server);
  const address = await readEmail(deps, email);
  const password = await readPassword(deps, { fromStdin: passwordStdin, choosing: true });
  const api = deps.api();
  // A guest this machine shops as is merged into the new account, in the registration's own transaction.
  const guest = await guestTokenToMerge(deps);
  const create = (guestToken?: string) =>
    deps.output.waitFor(
      'Creating your account…',
      api.register({ email: address, password, ...(guestToken === undefined ? {} : { guestToken }) }, newIdempotencyKey()),
    );
  let user;
  try {
    user = await create(guest !== undefined && 'token' in guest ? guest.token : undefined);
  } catch (error) {
    // The guest went between the check and the registration: register without it.
    if (!(guest !== undefined && 'token' in guest && isGuestGone(error))) {
      throw error;
    }
    user = await create();
  }
  // Logging straight in saves asking for the password a second time; the account exists either way.
  const pair = await deps.output.waitFor('Logging in…', api.login({ email: address, password }));
  await deps.config.saveCredentials(server, credentialsFromPair(user.email, pair, deps.now()));
  // What `shop whoami` shows offline.
  const { cache } = deps.offline();
  await cache
    .saveAccount({ server, userId: user.id }, { me: { value: { id: user.id, email: user.email, guest: false, createdAt: user.createdAt }, asOf: new Date(deps.now()).toISOString() } })
    .catch((error: Error) => deps.debug(`could not save the cache: ${error.message}`));
  await deps.output.info(`Registered and logged in to ${server} as ${user.email}.`);
  for (const line of guest === undefined ? [] : user.merge === undefined ? [GUEST_CART_GONE] : describeMerge(user.merge)) {
    await deps.output.info(line);
  }
  if (user.merge !== undefined) {
    await saveMergedCopies(deps);
  }
  if (previous !== undefined && previous.email !== null && previous.email !== user.email) {
    await deps.output.info(`This replaces the login of ${previous.email} on this machine; \`shop login\` to switch back.`);
  }
  await deps.output.show(registeredView, { server, user });
}
