import { ErrorCode } from '../../../shared/errors.js';
import type { GuestMergeReport } from '../../../shared/wire.js';
import { AuthenticationError, ServerUnreachableError } from '../../api/errors.js';
import { credentialsFromPair } from '../../api/session.js';
import type { CommandDeps } from '../../deps.js';
import { ExitCode, GUEST_HINT, UserError } from '../../errors.js';
import { sanitize } from '../../format.js';
import { findAccount } from '../../offline/accounts.js';

/** Said once, when `shop` starts a guest cart for someone who is not logged in. */
export const GUEST_NOTICE = 'shop: shopping as a guest; `shop login` or `shop register` keeps this cart';

/** Said when the guest this machine was shopping as is gone before it could be merged. */
export const GUEST_CART_GONE = 'The guest cart had expired on the server; nothing was merged.';

/** Whether the login stored for the server (not SHOP_TOKEN) is a guest's. */
export function isGuestLogin(deps: CommandDeps): boolean {
  return deps.envToken === undefined && deps.config.credentials(deps.server().url)?.email === null;
}

/**
 * Before a change that needs someone to own it (`shop cart add`): with no login and no SHOP_TOKEN, starts a guest on
 * the server, stores its tokens as a login without an email, and says so once on stderr. Offline there is nobody yet
 * to queue the change for (queued changes belong to a user id), so it stops with exit 3 and says what to do.
 */
export async function becomeGuestIfLoggedOut(deps: CommandDeps): Promise<void> {
  const server = deps.server().url;
  if (deps.envToken !== undefined || deps.config.credentials(server) !== undefined) {
    return;
  }
  deps.config.checkCredentialStore();
  let session;
  try {
    session = await deps.output.waitFor('Starting a guest cart…', deps.api().startGuest());
  } catch (error) {
    if (error instanceof ServerUnreachableError) {
      throw new UserError(
        `not logged in, and ${server} cannot be reached to start a guest cart: try again when online, or \`shop login\``,
        ExitCode.unreachable,
      );
    }
    throw error;
  }
  await deps.config.saveCredentials(server, credentialsFromPair(null, session, deps.now()));
  await deps.output.info(GUEST_NOTICE);
}

/** Refuses, with the hint to register or log in (exit 4), a command only an account can run. */
export function refuseGuest(deps: CommandDeps): void {
  if (isGuestLogin(deps)) {
    throw new UserError(GUEST_HINT, ExitCode.authRequired);
  }
}

/**
 * The stored guest's access token, fresh, to send with a login or registration so the server merges the guest's cart;
 * `undefined` when the stored login is not a guest's, or the guest is gone (expired on the server): then there is
 * nothing to merge, and the caller says so.
 */
export async function guestTokenToMerge(deps: CommandDeps): Promise<{ token: string } | { expired: true } | undefined> {
  if (!isGuestLogin(deps)) {
    return undefined;
  }
  try {
    // Refreshes the guest's access token when it has expired, so the server can check it.
    await deps.api().me();
    // Changes the guest queued offline go to the guest's cart first, so the merge takes them along.
    const { client, outbox } = deps.offline();
    const account = findAccount({ server: deps.server().url, config: deps.config, envToken: deps.envToken });
    if (account !== undefined && outbox.pendingFor(account).length > 0) {
      await deps.output.waitFor('Sending the guest cart’s queued changes…', client.sync());
    }
  } catch (error) {
    if (error instanceof AuthenticationError) {
      return { expired: true };
    }
    throw error;
  }
  const stored = deps.config.credentials(deps.server().url);
  return stored === undefined ? { expired: true } : { token: stored.accessToken };
}

/** Whether a login or registration failed only because the guest sent with it is gone. */
export function isGuestGone(error: unknown): boolean {
  return error instanceof AuthenticationError && (error.code === ErrorCode.GUEST_EXPIRED || error.code === ErrorCode.TOKEN_REVOKED);
}

/** What a merge did, as plain lines for stderr: what went in, what was capped, dropped or kept as the account had it. */
export function describeMerge(report: GuestMergeReport): string[] {
  const lines: string[] = [];
  const units = (n: number): string => `${n} ${n === 1 ? 'unit' : 'units'}`;
  if (report.added.length + report.capped.length + report.dropped.length === 0) {
    lines.push('The guest cart was empty; nothing was added to your cart.');
  }
  for (const line of report.added) {
    lines.push(`Added ${units(line.quantity)} of ${sanitize(line.sku)} from the guest cart (now ${line.total}).`);
  }
  for (const line of report.capped) {
    lines.push(`Capped ${sanitize(line.sku)} at ${line.kept}: the carts together held ${line.wanted}.`);
  }
  for (const line of report.dropped) {
    const why = line.reason === ErrorCode.CART_TOO_LARGE ? 'your cart has no room for another line' : 'the product is no longer sold';
    lines.push(`Not added: ${units(line.quantity)} of ${sanitize(line.sku)} (${why}).`);
  }
  const { filled, kept, dropped } = report.preferences;
  if (filled.length > 0) {
    lines.push(`Preferences taken from the guest: ${filled.map(sanitize).join(', ')}.`);
  }
  if (kept.length > 0) {
    lines.push(`Preferences kept as your account had them: ${kept.map(sanitize).join(', ')}.`);
  }
  if (dropped.length > 0) {
    lines.push(`Preferences not taken (your account has no room): ${dropped.map(sanitize).join(', ')}.`);
  }
  return lines;
}

/**
 * After a merge: saves the account's cart and preferences as the server now has them, so a `locale` taken from the
 * guest formats the very next view and an offline read shows the merged cart. A failure leaves it to the next read.
 */
export async function saveMergedCopies(deps: CommandDeps): Promise<void> {
  try {
    const { client } = deps.offline();
    await client.cart();
    await client.preferences();
  } catch (error) {
    deps.debug(`could not save the merged cart and preferences: ${error instanceof Error ? error.message : String(error)}`);
  }
}
