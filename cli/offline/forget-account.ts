import { type Account, belongsTo } from '../store/outbox.js';
import type { Offline } from './offline.js';

/**
 * Forgets what this machine keeps for an account that no longer exists: its queued and refused changes, its device,
 * and its saved copies. Returns how many changes were dropped. Other accounts' files entries stay as they are.
 */
export async function forgetAccount(offline: Offline, account: Account): Promise<number> {
  const dropped = await offline.outbox.update((state) => {
    const before = state.pending.length + state.failed.length;
    state.pending = state.pending.filter((entry) => !belongsTo(entry, account));
    state.failed = state.failed.filter((entry) => !belongsTo(entry, account));
    const removed = before - state.pending.length - state.failed.length;
    return removed === 0 ? false : removed;
  });
  await offline.outbox.deleteDevice(account);
  await offline.cache.forgetAccount(account);
  return dropped === false ? 0 : dropped;
}
