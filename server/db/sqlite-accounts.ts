import type { Database, Statement } from 'better-sqlite3';

import { collectStatement, emptyPersonalData, eraseStatement, exportRow, ownerValues, personalTables } from './personal-data.js';
import type { Synchronous } from './sqlite-queries.js';
import type { AccountStore, PersonalDataOwner } from './store.js';

/**
 * The `AccountStore` on SQLite, over the tables personal-data.ts lists. Statements with as many placeholders as the
 * owner has keys are prepared on first use and kept: an owner has one id, two idempotency scopes and one login key.
 */
export function sqliteAccounts(db: Database): Synchronous<AccountStore> {
  const prepared = new Map<string, Statement>();
  const statement = (text: string): Statement => {
    let found = prepared.get(text);
    if (found === undefined) {
      found = db.prepare(text);
      prepared.set(text, found);
    }
    return found;
  };
  const placeholders = (values: readonly string[]): string[] => values.map(() => '?');
  const replacePassword = db
    .prepare<[string, string, string], number>(
      'UPDATE users SET password_hash = ?, token_version = token_version + 1 WHERE id = ? AND password_hash = ? RETURNING token_version',
    )
    .pluck();
  // Deferred: reads from one snapshot without taking the write lock (a savepoint when already inside a transaction).
  const collect = db.transaction((owner: PersonalDataOwner) => {
    const data = emptyPersonalData();
    for (const table of personalTables) {
      const values = ownerValues(owner, table);
      if (values.length === 0) {
        continue;
      }
      const rows = statement(collectStatement(table, placeholders(values))).all(...values) as Record<string, unknown>[];
      data[table.section].push(...rows.map((row) => exportRow(table, row, (value) => new Date(Number(value)))));
    }
    return data;
  });

  return {
    replacePassword(userId, expectedHash, newHash) {
      return replacePassword.get(newHash, userId, expectedHash) ?? null;
    },
    collect(owner) {
      return collect(owner);
    },
    erase(owner) {
      const deleted: Record<string, number> = {};
      for (const table of personalTables) {
        const values = ownerValues(owner, table);
        if (values.length > 0) {
          deleted[table.table] = (deleted[table.table] ?? 0) + statement(eraseStatement(table, placeholders(values))).run(...values).changes;
        }
      }
      return deleted;
    },
  };
}
