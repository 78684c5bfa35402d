import { AuthenticationError } from '../api/errors.js';
import { jwtSubject } from '../api/jwt.js';
import type { ConfigStore } from '../store/config-store.js';
import type { Account } from '../store/outbox.js';

/** The account `shop` acts as right now. */
export interface CurrentAccount extends Account {
  /** Known for a stored login; `null` for SHOP_TOKEN. */
  email: string | null;
}

export interface AccountSources {
  server: string;
  config: ConfigStore;
  /** `SHOP_TOKEN`, which wins over the stored login. */
  envToken: string | undefined;
}

/**
 * Who the token in use belongs to, read from its `sub` claim without asking the server — which may be unreachable,
 * and the token may have expired: whose a queued change is does not depend on either. `undefined` when there is no
 * token, or one without a subject.
 */
export function findAccount({ server, config, envToken }: AccountSources): CurrentAccount | undefined {
  const stored = envToken === undefined ? config.credentials(server) : undefined;
  const token = envToken ?? stored?.accessToken;
  const userId = token === undefined ? undefined : jwtSubject(token);
  return userId === undefined ? undefined : { server, userId, email: stored?.email ?? null };
}

/** {@link findAccount}, or the AuthenticationError that tells the user to log in (exit 4). */
export function requireAccount(sources: AccountSources): CurrentAccount {
  const account = findAccount(sources);
  if (account !== undefined) {
    return account;
  }
  const fromEnv = sources.envToken !== undefined;
  if (fromEnv || sources.config.credentials(sources.server) !== undefined) {
    throw new AuthenticationError('the access token does not say whose it is (no "sub" claim)', sources.server, undefined, fromEnv);
  }
  throw new AuthenticationError(`not logged in to ${sources.server}`, sources.server);
}
