import type { Database } from 'better-sqlite3';

import { sharedSql } from './shared-sql.js';
import type { Synchronous } from './sqlite-queries.js';
import type { DeviceRefusal, DeviceStore } from './store.js';

interface DeviceRow {
  device_id: string;
  last_seq: number;
  last_seen: number;
}

/** The `DeviceStore` on SQLite; times are epoch milliseconds. */
export function sqliteDevices(db: Database): Synchronous<DeviceStore> {
  const statements = {
    lock: db.prepare<[{ user_id: string; device_id: string; now: number }], { last_seq: number; refusals: string }>(sharedSql.lockDevice),
    register: db.prepare<[{ user_id: string; device_id: string; now: number }], string>(sharedSql.registerDevice).pluck(),
    advance: db.prepare<[{ user_id: string; device_id: string; seq: number }]>(sharedSql.advanceDevice),
    setRefusals: db.prepare<[{ user_id: string; device_id: string; refusals: string }]>(sharedSql.setDeviceRefusals),
    evict: db.prepare<[{ user_id: string; keep: number }]>(sharedSql.evictDevices),
    remove: db.prepare<[{ user_id: string; device_id: string }]>(sharedSql.removeDevice),
    list: db.prepare<[{ user_id: string }], DeviceRow>(sharedSql.devices),
  };
  return {
    lock(userId, deviceId, now) {
      const row = statements.lock.get({ user_id: userId, device_id: deviceId, now: now.getTime() });
      return row === undefined ? null : { lastSeq: row.last_seq, refusals: JSON.parse(row.refusals) as DeviceRefusal[] };
    },
    register(userId, deviceId, now) {
      return statements.register.get({ user_id: userId, device_id: deviceId, now: now.getTime() }) !== undefined;
    },
    advance(userId, deviceId, seq) {
      statements.advance.run({ user_id: userId, device_id: deviceId, seq });
    },
    setRefusals(userId, deviceId, refusals) {
      statements.setRefusals.run({ user_id: userId, device_id: deviceId, refusals: JSON.stringify(refusals) });
    },
    evictBeyond(userId, keep) {
      return statements.evict.run({ user_id: userId, keep }).changes;
    },
    remove(userId, deviceId) {
      return statements.remove.run({ user_id: userId, device_id: deviceId }).changes > 0;
    },
    list(userId) {
      return statements.list
        .all({ user_id: userId })
        .map((row) => ({ deviceId: row.device_id, lastSeq: row.last_seq, lastSeen: new Date(row.last_seen) }));
    },
  };
}
