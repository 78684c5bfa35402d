import type { Migration } from './migration.js';

/*
 * The UTS #39 skeleton of every account's email (server/auth/email-skeleton.ts): unique, so of two look-alike
 * addresses only the first gets an account, even when both register at the same moment on different instances.
 * Accounts created before this migration get theirs at start-up (`backfillEmailSkeletons`).
 */

const sqlite = `
CREATE TABLE email_skeletons (
  skeleton TEXT NOT NULL PRIMARY KEY,
  user_id  TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
`;

const postgres = `
CREATE TABLE email_skeletons (
  skeleton text COLLATE "C" NOT NULL PRIMARY KEY,
  user_id  text             NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
`;

export const emailSkeletons: Migration = { version: 6, name: 'email skeletons', sqlite, postgres };
