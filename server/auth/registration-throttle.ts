import type { Store } from '../db/store.js';
import { ShopError } from '../domain/errors.js';
import { clientLimitKey } from '../client-address.js';

/** How many registrations one client address may attempt, and in what window. */
export interface RegistrationThrottleSettings {
  maxPerAddress: number;
  windowSeconds: number;
}

/**
 * Counts a registration attempt from `address` (an IPv6 client by its /64) in the database, shared by every instance,
 * and refuses it with 429 `RATE_LIMITED` and `Retry-After` once the address has used up its window. Runs before the
 * password is hashed, so a refused attempt costs one statement. Refused attempts count too: the window is fixed, so
 * hammering does not extend it.
 */
export async function admitRegistration(store: Store, settings: RegistrationThrottleSettings, address: string, now: Date): Promise<void> {
  const expiredBefore = new Date(now.getTime() - settings.windowSeconds * 1000);
  const window = await store.registrationAttempts.record(clientLimitKey(address), now, expiredBefore);
  if (window.attempts > settings.maxPerAddress) {
    const retryAfter = Math.max(1, Math.ceil((window.windowStart.getTime() + settings.windowSeconds * 1000 - now.getTime()) / 1000));
    throw new ShopError('RATE_LIMITED', `Too many registrations from this address; try again in ${retryAfter} s`, { 'Retry-After': String(retryAfter) });
  }
}
