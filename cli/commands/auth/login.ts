import { Command } from 'commander';

import type { GuestMergeReport, Me } from '../../../shared/wire.js';
import { AuthenticationError } from '../../api/errors.js';
import { jwtExpiry } from '../../api/jwt.js';
import { credentialsFromPair } from '../../api/session.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { ExitCode, UserError, usageError } from '../../errors.js';
import { formatTime } from '../../format.js';
import { readSecret } from '../../io.js';
import type { StoredCredentials } from '../../store/config-store.js';
import { loginView } from '../../views/auth.js';
import { readEmail, readPassword } from './credentials-input.js';
import { describeMerge, GUEST_CART_GONE, guestTokenToMerge, isGuestGone, saveMergedCopies } from './guest.js';
import { sendQueuedAfterLogin } from './queued-after-login.js';

export interface LoginOptions {
  deps: CommandDeps;
  email: string | undefined;
  passwordStdin: boolean;
  withToken: boolean;
}

export function loginCommand(deps: DepsProvider): Command {
  return new Command('login')
    .description('log in and store the tokens for the server; then send changes queued for this user')
    .option('--email <email>', 'your email (asked for on a terminal)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--with-token', 'read an access token from stdin instead of logging in with a password')
    .action((options: { email?: string; passwordStdin?: boolean; withToken?: boolean }) =>
      loginRun({
        deps: deps(),
        email: options.email,
        passwordStdin: options.passwordStdin === true,
        withToken: options.withToken === true,
      }),
    );
}

export async function loginRun({ deps, email, passwordStdin, withToken }: LoginOptions): Promise<void> {
  if (withToken && (passwordStdin || email !== undefined)) {
    throw usageError('--with-token cannot be combined with --email or --password-stdin');
  }
  deps.config.checkCredentialStore();
  const server = deps.server().url;
  const { credentials, merge } = withToken
    ? { credentials: await loginWithToken(deps), merge: undefined }
    : await loginWithPassword(deps, await readEmail(deps, email), passwordStdin);
  await deps.config.saveCredentials(server, credentials);

  await deps.output.info(credentials.email === null ? `Logged in to ${server} as a guest.` : `Logged in to ${server} as ${credentials.email}.`);
  for (const line of merge?.lines ?? []) {
    await deps.output.info(line);
  }
  if (deps.env.SHOP_TOKEN !== undefined && deps.env.SHOP_TOKEN !== '') {
    await deps.output.info('Note: SHOP_TOKEN is set, and is used instead of this login until you unset it.');
  }
  await sendQueuedAfterLogin(deps);
  if (merge?.report !== undefined) {
    await saveMergedCopies(deps);
  }
  await deps.output.show(loginView, {
    server,
    email: credentials.email,
    expiresAt: credentials.expiresAt === null ? null : formatTime(credentials.expiresAt),
    ...(merge?.report === undefined ? {} : { merge: merge.report }),
  });
}

/** What a login did with the guest this machine was shopping as: the server's report, and lines saying it. */
interface MergeOutcome {
  report: GuestMergeReport | undefined;
  lines: string[];
}

async function loginWithPassword(
  deps: CommandDeps,
  email: string,
  passwordStdin: boolean,
): Promise<{ credentials: StoredCredentials; merge: MergeOutcome | undefined }> {
  const password = await readPassword(deps, { fromStdin: passwordStdin, choosing: false });
  const guest = await guestTokenToMerge(deps);
  const send = (guestToken?: string) =>
    deps.output.waitFor('Logging in…', deps.api().login({ email, password, ...(guestToken === undefined ? {} : { guestToken }) }));
  let pair;
  let merge: MergeOutcome | undefined = guest === undefined ? undefined : { report: undefined, lines: [GUEST_CART_GONE] };
  try {
    pair = await send(guest !== undefined && 'token' in guest ? guest.token : undefined);
    if (pair.merge !== undefined) {
      merge = { report: pair.merge, lines: describeMerge(pair.merge) };
    }
  } catch (error) {
    // The guest went between the check and the login (expired, or merged by another shop): log in without it.
    if (!(guest !== undefined && 'token' in guest && isGuestGone(error))) {
      throw error;
    }
    pair = await send();
  }
  return { credentials: credentialsFromPair(email, pair, deps.now()), merge };
}

/** Stores a token someone already has (CI secrets); checks it with `GET /me` first and learns whose it is. */
async function loginWithToken(deps: CommandDeps): Promise<StoredCredentials> {
  let token: string;
  if (deps.io.stdinIsTTY) {
    if (!deps.prompt.interactive) {
      throw usageError('--with-token reads the token from stdin; pipe it in');
    }
    token = (await deps.prompt.secret('Access token:')).trim();
  } else {
    token = (await readSecret(deps.io.stdin)).trim();
  }
  if (token === '') {
    throw usageError('--with-token: no token was given on stdin');
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw usageError('--with-token: the token on stdin has spaces or control characters; an access token has none');
  }
  let me: Me;
  try {
    me = await deps.output.waitFor('Checking the token…', deps.api().me({ token }));
  } catch (error) {
    // 401 is exit 4 everywhere, a wrong password included; the message says which token was refused.
    if (error instanceof AuthenticationError) {
      throw new UserError(
        `the server did not accept the token: ${error.message}${error.code === undefined ? '' : ` (${error.code})`}`,
        ExitCode.authRequired,
      );
    }
    throw error;
  }
  return { email: me.email, accessToken: token, refreshToken: null, expiresAt: jwtExpiry(token) ?? null };
}
