import { ShopError } from '../domain/errors.js';

/** How much password hashing one process lets run at once. */
export interface PasswordHashingLimits {
  /** Hashes and verifications in flight, of every kind. */
  maxInFlight: number;
  /** Of those, hashes for new accounts: kept below `maxInFlight`, so registrations cannot take every thread from logins. */
  maxRegistrationsInFlight: number;
}

/** Registration hashes for unauthenticated newcomers; verification for people proving a password they have. */
export type HashingKind = 'registration' | 'verification';

/**
 * A per-process bound on scrypt work. scrypt runs on libuv's few threads, first come first served: without a bound a
 * flood of registrations queues every login behind it. Work past the bound is refused at once with 503
 * `SERVICE_UNAVAILABLE` and `Retry-After`, so the caller retries later (or elsewhere) instead of waiting in a queue.
 * Process lifecycle, like a connection count: it holds no user state.
 */
export class HashingGate {
  readonly #limits: PasswordHashingLimits;
  #inFlight = 0;
  #registrations = 0;

  constructor(limits: PasswordHashingLimits) {
    this.#limits = limits;
  }

  /** Runs `work` if the bound allows, else throws the 503 without running it. */
  async run<T>(kind: HashingKind, work: () => Promise<T>): Promise<T> {
    const registration = kind === 'registration';
    if (this.#inFlight >= this.#limits.maxInFlight || (registration && this.#registrations >= this.#limits.maxRegistrationsInFlight)) {
      throw new ShopError('SERVICE_UNAVAILABLE', 'The server is busy checking passwords; retry shortly', { 'Retry-After': '1' });
    }
    this.#inFlight++;
    if (registration) {
      this.#registrations++;
    }
    try {
      return await work();
    } finally {
      this.#inFlight--;
      if (registration) {
        this.#registrations--;
      }
    }
  }
}
