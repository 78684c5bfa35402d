import type { Database } from 'better-sqlite3';

import type { RegistrationWindow } from './store.js';

interface WindowRow {
  attempts: number;
  window_start: number;
}

/** `RegistrationAttemptStore` made synchronous, as better-sqlite3 is; sqlite.ts lifts it back to async. */
export interface SqliteRegistrationAttempts {
  record(address: string, now: Date, expiredBefore: Date): RegistrationWindow;
  deleteExpired(before: Date): number;
}

/** The registration counter on SQLite; one statement per call. */
export function prepareRegistrationAttempts(db: Database): SqliteRegistrationAttempts {
  const record = db.prepare<{ address: string; now: number; expiredBefore: number }, WindowRow>(`
    INSERT INTO registration_attempts (address, window_start, attempts) VALUES (@address, @now, 1)
    ON CONFLICT (address) DO UPDATE SET
      window_start = CASE WHEN registration_attempts.window_start <= @expiredBefore THEN @now ELSE registration_attempts.window_start END,
      attempts = CASE WHEN registration_attempts.window_start <= @expiredBefore THEN 1 ELSE registration_attempts.attempts + 1 END
    RETURNING attempts, window_start`);
  const deleteExpired = db.prepare<[number]>('DELETE FROM registration_attempts WHERE window_start < ?');
  return {
    record(address, now, expiredBefore) {
      const row = record.get({ address, now: now.getTime(), expiredBefore: expiredBefore.getTime() })!;
      return { attempts: row.attempts, windowStart: new Date(row.window_start) };
    },
    deleteExpired(before) {
      return deleteExpired.run(before.getTime()).changes;
    },
  };
}
