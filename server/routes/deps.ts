import type { HashingGate } from '../auth/hashing-gate.js';
import type { Config } from '../config.js';
import type { Store } from '../db/store.js';
import type { IdempotencyDeps } from './idempotency.js';

/** What every route plugin is registered with. Nothing here holds user state: the store is the only source of truth. */
export interface RouteDeps {
  store: Store;
  config: Config;
  now: () => Date;
  idempotency: IdempotencyDeps;
  /** This process's bound on password hashing in flight, shared by every route that hashes or verifies a password. */
  hashing: HashingGate;
}
