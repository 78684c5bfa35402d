import type { Store } from './db/store.js';
import type { Logger } from './logger.js';

/**
 * Deletes expired refresh tokens, idempotency records, login failures and registration counts now and then. Any
 * number of instances may run it: each pass is four idempotent DELETEs, so overlapping passes cost a little and break nothing. Returns a function
 * that stops it.
 */
export function startHousekeeping(
  store: Store,
  log: Logger,
  now: () => Date,
  loginWindowSeconds: number,
  intervalMs = 60 * 60 * 1000,
  registrationWindowSeconds = loginWindowSeconds,
): () => void {
  const sweep = async (): Promise<void> => {
    try {
      const at = now();
      const tokens = await store.tokens.deleteExpired(at);
      const keys = await store.idempotency.deleteExpired(at);
      const failures = await store.loginFailures.deleteExpired(new Date(at.getTime() - loginWindowSeconds * 1000));
      const registrations = await store.registrationAttempts.deleteExpired(new Date(at.getTime() - registrationWindowSeconds * 1000));
      if (tokens + keys + failures + registrations > 0) {
        log.info({ refreshTokens: tokens, idempotencyKeys: keys, loginFailures: failures, registrationAttempts: registrations }, 'deleted expired records');
      }
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'housekeeping failed; will retry next interval');
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref(); // never keeps the process alive on its own
  return () => clearInterval(timer);
}
