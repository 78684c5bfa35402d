import { Command } from 'commander';

import { ApiError, AuthenticationError, ServerUnreachableError } from '../../api/errors.js';
import { jwtExpiry } from '../../api/jwt.js';
import type { CommandDeps, DepsProvider } from '../../deps.js';
import { UserError } from '../../errors.js';
import { formatTime } from '../../format.js';
import { type StatusReport, statusView } from '../../views/status.js';

export interface StatusOptions {
  deps: CommandDeps;
}

/** How long `shop status` waits for the server before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 3_000;

export function statusCommand(deps: DepsProvider): Command {
  return new Command('status')
    .description('show the server, whether it answers, who is logged in and what is queued (exit 1 when unreachable)')
    .action(() => statusRun({ deps: deps() }));
}

/** Looks without changing anything: an expired token is reported, not refreshed. */
export async function statusRun({ deps }: StatusOptions): Promise<void> {
  const server = deps.server();
  const api = deps.api();
  const stored = deps.config.credentials(server.url);
  const envToken = deps.env.SHOP_TOKEN !== undefined && deps.env.SHOP_TOKEN !== '' ? deps.env.SHOP_TOKEN : undefined;

  let problem: string | null = null;
  try {
    await deps.output.waitFor('Contacting the server…', api.health(HEALTH_TIMEOUT_MS));
  } catch (error) {
    if (!(error instanceof ServerUnreachableError || error instanceof ApiError)) {
      throw error;
    }
    problem = error.message;
  }

  let user = stored?.email ?? null;
  if (envToken !== undefined) {
    // The stored email says nothing about whose SHOP_TOKEN this is; ask.
    user = problem === null ? await emailForToken(deps, envToken) : null;
  }
  const expiresAt = envToken !== undefined ? (jwtExpiry(envToken) ?? null) : (stored?.expiresAt ?? null);
  const hasToken = envToken !== undefined || stored !== undefined;
  const { outbox } = deps.offline();
  const queue = outbox.read();
  const onThisServer = (entry: { server: string }) => entry.server === server.url;

  const report: StatusReport = {
    server: server.url,
    serverSource: server.source,
    reachable: problem === null,
    problem,
    user,
    tokenSource: envToken !== undefined ? 'SHOP_TOKEN' : stored !== undefined ? 'store' : null,
    tokenExpiresAt: expiresAt === null ? null : formatTime(expiresAt),
    tokenExpired: hasToken && expiresAt !== null ? expiresAt <= deps.now() : null,
    refreshable: envToken === undefined && stored !== undefined && stored.refreshToken !== null,
    credentialsFile: deps.config.credentialsPath,
    pendingChanges: queue.pending.filter(onThisServer).length,
    failedChanges: queue.failed.filter(onThisServer).length,
  };
  await deps.output.show(statusView, report);
  if (problem !== null) {
    throw new UserError(problem);
  }
}

async function emailForToken(deps: CommandDeps, token: string): Promise<string | null> {
  try {
    return (await deps.api().me({ token })).email;
  } catch (error) {
    if (error instanceof AuthenticationError || error instanceof ApiError) {
      return null;
    }
    throw error;
  }
}
