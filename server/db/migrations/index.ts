import { initialSchema } from './001-initial-schema.js';
import { idempotencyKeys } from './002-idempotency-keys.js';
import { loginFailures } from './003-login-failures.js';
import { devices } from './004-devices.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in the order it is applied. */
export const migrations: readonly Migration[] = [initialSchema, idempotencyKeys, loginFailures, devices];

/** The migrations whose versions `applied` does not hold yet, in order. */
export function pendingMigrations(applied: ReadonlySet<number>): Migration[] {
  return migrations.filter((migration) => !applied.has(migration.version));
}
