import type { Migration } from './migration.js';

/*
 * Registration fingerprints stored before this version were a plain SHA-256 of the request text, password included: a
 * password-guessing oracle far faster than the scrypt hash. They are dropped. A client retrying one of those old
 * registrations now gets 409 EMAIL_TAKEN instead of the replayed 201, and logs in.
 */

const statement = `DELETE FROM idempotency_keys WHERE scope LIKE 'register:%';`;

export const forgetRegisterFingerprints: Migration = { version: 4, name: 'forget register fingerprints', sqlite: statement, postgres: statement };
