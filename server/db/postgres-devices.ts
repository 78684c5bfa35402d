import type { Queryable } from './postgres-queries.js';
import { positional, sharedSql } from './shared-sql.js';
import type { DeviceRefusal, DeviceStore } from './store.js';

const internals = {
  lock: positional(sharedSql.lockDevice),
  register: positional(sharedSql.registerDevice),
  advance: positional(sharedSql.advanceDevice),
  setRefusals: positional(sharedSql.setDeviceRefusals),
  evict: positional(sharedSql.evictDevices),
  remove: positional(sharedSql.removeDevice),
  list: positional(sharedSql.devices),
};

/** The `DeviceStore` on Postgres; `q` is the pool or a transaction's connection. `last_seq` is bigint, read as a string. */
export function postgresDevices(q: Queryable): DeviceStore {
  const run = <T extends readonly unknown[] = Record<string, unknown>[]>(statement: { text: string; names: readonly string[] }, params: Record<string, unknown>) =>
    q.unsafe<T extends unknown[] ? T : never>(statement.text, statement.names.map((key) => params[key]) as never[], { prepare: true });
  return {
    async lock(userId, deviceId, now) {
      const [row] = await run<{ last_seq: string; refusals: string }[]>(internals.lock, { user_id: userId, device_id: deviceId, now });
      return row === undefined ? null : { lastSeq: Number(row.last_seq), refusals: JSON.parse(row.refusals) as DeviceRefusal[] };
    },
    async register(userId, deviceId, now) {
      const rows = await run(internals.register, { user_id: userId, device_id: deviceId, now });
      return rows.length > 0;
    },
    async advance(userId, deviceId, seq) {
      await run(internals.advance, { user_id: userId, device_id: deviceId, seq });
    },
    async setRefusals(userId, deviceId, refusals) {
      await run(internals.setRefusals, { user_id: userId, device_id: deviceId, refusals: JSON.stringify(refusals) });
    },
    async evictBeyond(userId, keep) {
      const result = await run(internals.evict, { user_id: userId, keep });
      return result.count;
    },
    async remove(userId, deviceId) {
      const result = await run(internals.remove, { user_id: userId, device_id: deviceId });
      return result.count > 0;
    },
    async list(userId) {
      const rows = await run<{ device_id: string; last_seq: string; last_seen: Date }[]>(internals.list, { user_id: userId });
      return rows.map((row) => ({ deviceId: row.device_id, lastSeq: Number(row.last_seq), lastSeen: row.last_seen }));
    },
  };
}
