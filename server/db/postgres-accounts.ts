import { collectStatement, emptyPersonalData, eraseStatement, exportRow, ownerValues, personalTables } from './personal-data.js';
import type { Queryable } from './postgres-queries.js';
import type { AccountStore } from './store.js';

/** The `AccountStore` on Postgres, over the tables personal-data.ts lists; `q` is the pool or a transaction's connection. */
export function postgresAccounts(q: Queryable): AccountStore {
  const placeholders = (values: readonly string[]): string[] => values.map((_, index) => `$${index + 1}`);
  return {
    async replacePassword(userId, expectedHash, newHash) {
      const [row] = await q<{ token_version: number }[]>`
        UPDATE users SET password_hash = ${newHash}, token_version = token_version + 1
        WHERE id = ${userId} AND password_hash = ${expectedHash}
        RETURNING token_version`;
      return row?.token_version ?? null;
    },
    async collect(owner) {
      const data = emptyPersonalData();
      for (const table of personalTables) {
        const values = ownerValues(owner, table);
        if (values.length === 0) {
          continue;
        }
        const rows = await q.unsafe<Record<string, unknown>[]>(collectStatement(table, placeholders(values)), [...values]);
        data[table.section].push(...rows.map((row) => exportRow(table, row, (value) => value as Date)));
      }
      return data;
    },
    async erase(owner) {
      const deleted: Record<string, number> = {};
      for (const table of personalTables) {
        const values = ownerValues(owner, table);
        if (values.length > 0) {
          const result = await q.unsafe(eraseStatement(table, placeholders(values)), [...values]);
          deleted[table.table] = (deleted[table.table] ?? 0) + result.count;
        }
      }
      return deleted;
    },
  };
}
