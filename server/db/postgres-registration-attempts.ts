import type { Queryable } from './postgres-queries.js';
import type { RegistrationAttemptStore } from './store.js';

/** The registration counter on Postgres; concurrent attempts of one address queue on its row lock. */
export function createRegistrationAttempts(q: Queryable): RegistrationAttemptStore {
  return {
    async record(address, now, expiredBefore) {
      const [row] = await q<{ attempts: number; window_start: Date }[]>`
        INSERT INTO registration_attempts (address, window_start, attempts) VALUES (${address}, ${now}, 1)
        ON CONFLICT (address) DO UPDATE SET
          window_start = CASE WHEN registration_attempts.window_start <= ${expiredBefore} THEN excluded.window_start
                              ELSE registration_attempts.window_start END,
          attempts = CASE WHEN registration_attempts.window_start <= ${expiredBefore} THEN 1
                          ELSE registration_attempts.attempts + 1 END
        RETURNING attempts, window_start`;
      return { attempts: row!.attempts, windowStart: row!.window_start };
    },
    async deleteExpired(before) {
      const result = await q`DELETE FROM registration_attempts WHERE window_start < ${before}`;
      return result.count;
    },
  };
}
