import { createHash } from 'node:crypto';

import { clientLimitKey } from '../client-address.js';
import type { LoginFailureCounts, Store } from '../db/store.js';
import { ShopError } from '../domain/errors.js';

/** How many failed logins are allowed, and for how long they count. */
export interface LoginThrottleSettings {
  /** Failures against one account, from any address, within the window; the next attempt is refused. */
  maxFailuresPerAccount: number;
  /** Failures from one client address, against any account, within the window. */
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/** One login attempt that was let through: report how it ended. */
export interface LoginAttempt {
  /** The password was right: forget this address's failures for the account (other addresses keep theirs). */
  succeeded(): Promise<void>;
  /** The attempt ended without checking the password (e.g. the database failed): do not count it. */
  abandoned(): Promise<void>;
}

const internals = {
  /** The table keys accounts by a hash, so it never holds what people typed as an email. */
  accountKey(email: string): string {
    return createHash('sha256').update(`login:${email}`).digest('hex');
  },

  /** Seconds until the oldest window that keeps a limit reached ends; the client may try again then. */
  retryAfterSeconds(counts: LoginFailureCounts, settings: LoginThrottleSettings, now: Date): number {
    const ends: number[] = [];
    if (counts.account > settings.maxFailuresPerAccount && counts.accountOldest) {
      ends.push(counts.accountOldest.getTime());
    }
    if (counts.address > settings.maxFailuresPerAddress && counts.addressOldest) {
      ends.push(counts.addressOldest.getTime());
    }
    const end = (ends.length > 0 ? Math.max(...ends) : now.getTime()) + settings.windowSeconds * 1000;
    return Math.max(1, Math.ceil((end - now.getTime()) / 1000));
  },
};

/** The key under which the failures of one (normalised) email are counted; an account's export and deletion use it. */
export function loginAccountKey(email: string): string {
  return internals.accountKey(email);
}

/**
 * Lets a login attempt through, or refuses it with 429 `RATE_LIMITED` and `Retry-After` when the account or the client
 * address has used up its failures. The password is not checked for a refused attempt, so a locked account cannot be
 * guessed at, even with the right password.
 *
 * The attempt is counted as a failure *before* the password is checked, then the counts are read: of any number of
 * concurrent attempts, on any number of instances, the one whose count comes last sees all the others, so no more than
 * the limit can ever be checked. A refused attempt takes its count back, so hammering a locked account does not keep it
 * locked beyond its window; a successful one clears its own address's failures.
 */
export async function beginLoginAttempt(
  store: Store,
  settings: LoginThrottleSettings,
  email: string,
  clientAddress: string,
  now: Date,
): Promise<LoginAttempt> {
  const account = internals.accountKey(email);
  const address = clientLimitKey(clientAddress); // an IPv6 client is counted by its /64, in one spelling
  const since = new Date(now.getTime() - settings.windowSeconds * 1000);
  await store.loginFailures.record(account, address, now, since);
  let counts: LoginFailureCounts;
  try {
    counts = await store.loginFailures.count(account, address, since);
  } catch (error) {
    await store.loginFailures.release(account, address).catch(() => {});
    throw error;
  }
  // `counts` includes this attempt, so the limit is reached when it is exceeded.
  if (counts.account > settings.maxFailuresPerAccount || counts.address > settings.maxFailuresPerAddress) {
    await store.loginFailures.release(account, address);
    const retryAfter = internals.retryAfterSeconds(counts, settings, now);
    throw new ShopError('RATE_LIMITED', `Too many failed logins; try again in ${retryAfter} s`, { 'Retry-After': String(retryAfter) });
  }
  return {
    succeeded: async () => {
      await store.loginFailures.clear(account, address);
    },
    abandoned: () => store.loginFailures.release(account, address),
  };
}
