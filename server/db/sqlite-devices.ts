import type { Database } from 'better-sqlite3';

import { sharedSql } from './shared-sql.js';
import type { Synchronous } from './sqlite-queries.js';
import type { DeviceStore } from './store.js';

interface DeviceRow {
  device_id: string;
  last_seq: number;
  last_seen: number;
}

/** The `DeviceStore` on SQLite; times are epoch milliseconds. */
export function sqliteDevices(db: Database): Synchronous<DeviceStore> {
  const statements = {
    lock: db.prepare<[{ user_id: string; device_id: string; now: number }], number>(sharedSql.lockDevice).pluck(),
    register: db.prepare<[{ user_id: string; device_id: string; now: number }], string>(sharedSql.registerDevice).pluck(),
    advance: db.prepare<[{ user_id: string; device_id: string; seq: number }]>(sharedSql.advanceDevice),
    evict: db.prepare<[{ user_id: string; keep: number }]>(sharedSql.evictDevices),
    remove: db.prepare<[{ user_id: string; device_id: string }]>(sharedSql.removeDevice),
    list: db.prepare<[{ user_id: string }], DeviceRow>(sharedSql.devices),
  };
  return {
    lock(userId, deviceId, now) {
      return statements.lock.get({ user_id: userId, device_id: deviceId, now: now.getTime() }) ?? null;
    },
    register(userId, deviceId, now) {
      return statements.register.get({ user_id: userId, device_id: deviceId, now: now.getTime() }) !== undefined;
    },
    advance(userId, deviceId, seq) {
      statements.advance.run({ user_id: userId, device_id: deviceId, seq });
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
