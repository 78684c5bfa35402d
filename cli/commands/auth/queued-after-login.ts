import type { CommandDeps } from '../../deps.js';
import { findAccount } from '../../offline/accounts.js';
import { plural } from '../../offline/notices.js';

/**
 * After a login: sends the changes queued for this user — perhaps while an earlier login had expired — and says what
 * is left waiting. Changes of other users on this server are never sent as this one.
 */
export async function sendQueuedAfterLogin(deps: CommandDeps): Promise<void> {
  const { client, outbox } = deps.offline();
  const stop = await client.syncPending();
  if (stop?.reason === 'unreachable') {
    // The quiet sync leaves this to the command; here the login succeeded, so say it.
    await deps.output.info(`Queued changes could not be sent yet (${stop.error.message}); run \`shop sync\` later.`);
  }
  const server = deps.server().url;
  const account = findAccount({ server, config: deps.config, envToken: deps.envToken });
  const others = outbox.read().pending.filter((entry) => entry.server === server && entry.userId !== account?.userId).length;
  if (others > 0) {
    await deps.output.info(`${plural(others, 'change')} queued by another user of ${server} wait for that user to log in.`);
  }
}
