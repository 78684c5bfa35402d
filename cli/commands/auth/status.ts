import { Command } from 'commander';

import { ApiError, AuthenticationError, ServerUnreachableError } from '../../api/errors.js';
import { jwtExpiry } from '../../api/jwt.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { ExitCode, UserError } from '../../errors.js';
import { formatTime } from '../../format.js';
import { type LoginState, type StatusReport, statusView } from '../../views/status.js';

export interface StatusOptions {
  deps: CommandDeps;
}

/** How long `shop status` waits for the server before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 3_000;

export function statusCommand(deps: DepsProvider): Command {
  return new Command('status')
    .description('check the server and the login with it; show what is queued (exit 3 unreachable, 4 not logged in)')
    .action(() => statusRun({ deps: deps() }));
}

/**
 * Like `gh auth status`: the login is checked with the server (`GET /me`, refreshing an expired token as any command
 * would), so a login revoked elsewhere shows here and not only on the next command. Exit 0 only when the server
 * answers and accepted the login; 3 when it could not be reached (the login is then unchecked); 4 when there is no
 * login or the server refused it.
 */
export async function statusRun({ deps }: StatusOptions): Promise<void> {
  const server = deps.server();
  const api = deps.api();
  const stored = deps.config.credentials(server.url);
  const envToken = deps.envToken;

  let problem: string | null = null;
  try {
    await deps.output.waitFor('Contacting the server…', api.health(HEALTH_TIMEOUT_MS));
  } catch (error) {
    if (!(error instanceof ServerUnreachableError || error instanceof ApiError)) {
      throw error;
    }
    problem = error.message;
  }

  const hasToken = envToken !== undefined || stored !== undefined;
  let user = envToken !== undefined ? null : (stored?.email ?? null);
  let guest = envToken === undefined && stored !== undefined && stored.email === null;
  let login: LoginState = hasToken ? 'unchecked' : 'none';
  let loginProblem: string | null = hasToken ? null : `not logged in to ${server.url}`;
  if (hasToken && problem === null) {
    try {
      const me = await deps.output.waitFor('Checking your login…', api.me());
      user = me.email;
      guest = me.guest === true;
      login = 'valid';
    } catch (error) {
      if (error instanceof AuthenticationError || (error instanceof ApiError && (error.status === 401 || error.status === 403))) {
        login = 'rejected';
        loginProblem = `${error.message}${error instanceof AuthenticationError && error.code !== undefined ? ` (${error.code})` : ''}`;
      } else if (error instanceof ServerUnreachableError) {
        problem = error.message;
      } else {
        throw error;
      }
    }
  }
  // A refresh may have replaced the stored token.
  const current = envToken === undefined ? deps.config.credentials(server.url) : undefined;
  const expiresAt = envToken !== undefined ? (jwtExpiry(envToken) ?? null) : (current?.expiresAt ?? null);
  const { outbox } = deps.offline();
  const queue = outbox.read();
  const onThisServer = (entry: { server: string }) => entry.server === server.url;

  const report: StatusReport = {
    server: server.url,
    serverSource: server.source,
    reachable: problem === null,
    problem,
    user,
    guest,
    login,
    loginProblem,
    tokenSource: envToken !== undefined ? 'SHOP_TOKEN' : current !== undefined ? 'store' : null,
    tokenExpiresAt: expiresAt === null ? null : formatTime(expiresAt),
    tokenExpired: hasToken && expiresAt !== null ? expiresAt <= deps.now() : null,
    refreshable: envToken === undefined && current !== undefined && current.refreshToken !== null,
    credentialsFile: deps.config.credentialsPath,
    credentialStore: deps.config.credentialsLocation(server.url) ?? null,
    pendingChanges: queue.pending.filter(onThisServer).length,
    failedChanges: queue.failed.filter(onThisServer).length,
  };
  await deps.output.show(statusView, report);
  if (problem !== null) {
    throw new UserError(`${problem}; the login could not be checked`, ExitCode.unreachable);
  }
  if (login === 'none') {
    throw new UserError(`not logged in to ${server.url}; run \`shop login\``, ExitCode.authRequired);
  }
  if (login === 'rejected') {
    const fix = envToken !== undefined ? 'set a valid SHOP_TOKEN, or unset it and run `shop login`' : 'run `shop login`';
    throw new UserError(`the server refused the login: ${loginProblem ?? 'unknown reason'}; ${fix}`, ExitCode.authRequired);
  }
}
