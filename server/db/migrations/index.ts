import { initialSchema } from './001-initial-schema.js';
import { idempotencyKeys } from './002-idempotency-keys.js';
import { loginFailures } from './003-login-failures.js';
import { forgetRegisterFingerprints } from './004-forget-register-fingerprints.js';
import { registrationAttempts } from './005-registration-attempts.js';
import { emailSkeletons } from './006-email-skeletons.js';
import { orders } from './007-orders.js';
import { productPrices } from './008-product-prices.js';
import { productSearch } from './009-product-search.js';
import { devices } from './010-devices.js';
import { guests } from './011-guests.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in the order it is applied. */
export const migrations: readonly Migration[] = [
  initialSchema,
  idempotencyKeys,
  loginFailures,
  forgetRegisterFingerprints,
  registrationAttempts,
  emailSkeletons,
  orders,
  productPrices,
  productSearch,
  devices,
  guests,
];

/** The migrations whose versions `applied` does not hold yet, in order. */
export function pendingMigrations(applied: ReadonlySet<number>): Migration[] {
  return migrations.filter((migration) => !applied.has(migration.version));
}
