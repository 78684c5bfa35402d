import { randomUUID } from 'node:crypto';

import type { AccountExport, TokenPair } from '../../shared/wire.js';
import { beginLoginAttempt, type LoginAttempt } from '../auth/login-throttle.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { issueTokenPair, type SessionDeps } from '../auth/sessions.js';
import type { AccountRecord, PersonalData, PersonalDataOwner, PersonalRow } from '../db/store.js';
import { guestRefusal, ShopError } from './errors.js';

/** Who is asking, and from where: the address counts in the login throttle like a login's. */
export interface AccountRequest {
  owner: PersonalDataOwner;
  clientAddress: string;
}

const internals = {
  /**
   * The account row of an authenticated user; gone only if it was deleted since the token was checked. A guest has no
   * password to confirm a change with: the changes that need one are an account's.
   */
  async user(deps: SessionDeps, userId: string): Promise<AccountRecord> {
    const user = await deps.store.users.findById(userId);
    if (!user) {
      throw new ShopError('TOKEN_REVOKED', 'Access token was revoked; log in again');
    }
    if (user.kind === 'guest') {
      throw guestRefusal('change a password or delete an account it does not have (an idle guest is deleted by itself)');
    }
    return user;
  },

  /**
   * Checks the password that confirms an account change. Each check passes the login throttle first and counts as a
   * failed login until it succeeds, so a stolen access token cannot be used to guess the password any faster than
   * the login route allows.
   */
  async confirmPassword(deps: SessionDeps, user: AccountRecord, password: string, clientAddress: string): Promise<LoginAttempt> {
    const attempt = await beginLoginAttempt(deps.store, deps.config.loginThrottle, user.email, clientAddress, deps.now());
    let valid: boolean;
    try {
      valid = await deps.hashing.run('verification', () => verifyPassword(password, user.passwordHash));
    } catch (error) {
      await attempt.abandoned().catch(() => {});
      throw error;
    }
    if (!valid) {
      throw internals.incorrect();
    }
    return attempt;
  },

  /**
   * Runs the change the right password allowed. If the database fails, the attempt is taken back out of the throttle's
   * count: the password was right, so it was no failed guess.
   */
  async settled<T>(attempt: LoginAttempt, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      if (!(error instanceof ShopError)) {
        await attempt.abandoned().catch(() => {});
      }
      throw error;
    }
  },

  /** Also when the password changed between the check and the write: the one given is no longer the current one. */
  incorrect(): ShopError {
    return new ShopError('PASSWORD_INCORRECT', 'The current password is not correct');
  },

  /** Times as ISO strings: the document is JSON, and these are what people and tools read. */
  jsonRows(rows: readonly PersonalRow[]): PersonalRow[] {
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value])));
  },
};

/**
 * Replaces the password after checking the current one, and bumps the token version in the same statement: every
 * access and refresh token of the user, on every instance, stops working at once. The caller gets a new pair (a new
 * login) so this device stays logged in.
 */
export async function changePassword(
  deps: SessionDeps,
  request: AccountRequest,
  currentPassword: string,
  newPassword: string,
): Promise<TokenPair> {
  const user = await internals.user(deps, request.owner.userId);
  const attempt = await internals.confirmPassword(deps, user, currentPassword, request.clientAddress);
  // Hashed before the transaction: scrypt takes ~100 ms and must not hold the database's write lock. A signed-in user
  // proving a password shares the bound with logins, not with registrations from strangers.
  const newHash = await deps.hashing.run('verification', () => hashPassword(newPassword, deps.config.passwordCost));
  const pair = await internals.settled(attempt, () =>
    deps.store.transaction(async (tx) => {
      const tokenVersion = await tx.accounts.replacePassword(user.id, user.passwordHash, newHash);
      if (tokenVersion === null) {
        throw internals.incorrect();
      }
      return issueTokenPair({ ...deps, store: tx }, { ...user, passwordHash: newHash, tokenVersion }, randomUUID());
    }),
  );
  await attempt.succeeded();
  return pair;
}

/**
 * Deletes the account after checking its password: every row that names the user (see personal-data.ts), in one
 * transaction. The user row goes too, so every token of the user is refused at once on every instance, and the email
 * can be registered again.
 */
export async function deleteAccount(deps: SessionDeps, request: AccountRequest, password: string): Promise<void> {
  const user = await internals.user(deps, request.owner.userId);
  const attempt = await internals.confirmPassword(deps, user, password, request.clientAddress);
  // On success there is no attempt left to report: the throttle's rows for this email are erased with the rest.
  await internals.settled(attempt, () =>
    deps.store.transaction(async (tx) => {
      // Holds the row, so a password change cannot slip in between this check and the deletion.
      await tx.users.lock(user.id);
      const current = await tx.users.findById(user.id);
      if (current?.passwordHash !== user.passwordHash) {
        throw internals.incorrect();
      }
      await tx.accounts.erase(request.owner);
    }),
  );
}

/** Everything the database holds about the user, as one JSON document, without a hash or a token. */
export async function exportAccount(deps: Pick<SessionDeps, 'store' | 'now'>, owner: PersonalDataOwner): Promise<AccountExport> {
  const data: PersonalData = await deps.store.accounts.collect(owner);
  const [account] = internals.jsonRows(data.account);
  if (account === undefined) {
    throw new ShopError('TOKEN_REVOKED', 'Access token was revoked; log in again');
  }
  const [cart] = data.cart;
  // The rows have exactly the columns personal-data.ts exports under these names; shared/wire.ts gives their types.
  return {
    format: 'shop-account-export',
    version: 1,
    exportedAt: deps.now().toISOString(),
    account,
    cart: { version: typeof cart?.version === 'number' ? cart.version : 0, lines: internals.jsonRows(data.cartLines) },
    preferences: internals.jsonRows(data.preferences),
    sessions: internals.jsonRows(data.sessions),
    requests: internals.jsonRows(data.requests),
    failedLogins: internals.jsonRows(data.failedLogins),
    emailKeys: internals.jsonRows(data.emailKeys),
    orders: internals.jsonRows(data.orders),
    devices: internals.jsonRows(data.devices),
  } as AccountExport;
}
