import type { Store } from './db/store.js';
import type { Logger } from './logger.js';

/** How long each kind of record lives once it stops counting. */
export interface HousekeepingSettings {
  loginWindowSeconds: number;
  registrationWindowSeconds: number;
  /** Guests untouched this long are deleted with everything they hold. */
  guestTtlSeconds: number;
}

/** What one pass deleted, by kind. */
export interface HousekeepingCounts {
  refreshTokens: number;
  idempotencyKeys: number;
  loginFailures: number;
  registrationAttempts: number;
  guests: number;
}

/**
 * One pass: expired refresh tokens, idempotency records, login failures and registration counts, and idle guests.
 * Idempotent DELETEs only, so any number of instances may run passes at once: overlapping ones cost a little and
 * break nothing, and nothing is kept in the process between them.
 */
export async function housekeep(store: Store, at: Date, settings: HousekeepingSettings): Promise<HousekeepingCounts> {
  const ago = (seconds: number): Date => new Date(at.getTime() - seconds * 1000);
  return {
    refreshTokens: await store.tokens.deleteExpired(at),
    idempotencyKeys: await store.idempotency.deleteExpired(at),
    loginFailures: await store.loginFailures.deleteExpired(ago(settings.loginWindowSeconds)),
    registrationAttempts: await store.registrationAttempts.deleteExpired(ago(settings.registrationWindowSeconds)),
    guests: await store.users.deleteIdleGuests(ago(settings.guestTtlSeconds)),
  };
}

/** Runs {@link housekeep} now and every `intervalMs`. Returns a function that stops it. */
export function startHousekeeping(store: Store, log: Logger, now: () => Date, settings: HousekeepingSettings, intervalMs = 60 * 60 * 1000): () => void {
  const sweep = async (): Promise<void> => {
    try {
      const counts = await housekeep(store, now(), settings);
      if (Object.values(counts).some((count) => count > 0)) {
        log.info(counts, 'deleted expired records');
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
