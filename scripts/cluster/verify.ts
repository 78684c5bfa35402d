import Database from 'better-sqlite3';
import postgres from 'postgres';

import type { AddOperation, LoadUser } from './load.js';

/** What the database holds for one user, read directly with SQL: the cart and the Idempotency-Keys it recorded. */
interface StoredCart {
  /** Quantity per SKU. */
  lines: Map<string, number>;
  version: number;
  keys: Set<string>;
}

export interface Verdict {
  acknowledged: number;
  /** Acknowledged adds the database does not reflect. */
  lost: number;
  /** Units in the database beyond the acknowledged adds (an add applied twice, or one never acknowledged). */
  doubled: number;
  /** Acknowledged keys with no idempotency record. */
  missingKeys: number;
  /** Idempotency records of adds no client saw acknowledged. */
  unexpectedKeys: number;
  /** Users whose cart version is not the number of adds applied to it. */
  versionMismatches: number;
}

const internals = {
  cartSql: `
    SELECT l.sku, l.quantity, c.version
    FROM users u JOIN carts c ON c.user_id = u.id LEFT JOIN cart_lines l ON l.user_id = u.id
    WHERE u.email = $1`,
  keysSql: `SELECT k.key FROM users u JOIN idempotency_keys k ON k.scope = 'user:' || u.id WHERE u.email = $1`,

  fromRows(cartRows: { sku: string | null; quantity: number | null; version: number }[], keyRows: { key: string }[]): StoredCart {
    const lines = new Map<string, number>();
    for (const row of cartRows) {
      if (row.sku !== null && row.quantity !== null) {
        lines.set(row.sku, row.quantity);
      }
    }
    return { lines, version: cartRows[0]?.version ?? 0, keys: new Set(keyRows.map((row) => row.key)) };
  },
};

/** Reads every user's cart and keys from Postgres (`url`) or a SQLite file (`file`). */
export async function readStoredCarts(target: { postgres: string } | { sqlite: string }, users: readonly LoadUser[]): Promise<StoredCart[]> {
  if ('postgres' in target) {
    const sql = postgres(target.postgres, { max: 2, onnotice: () => {} });
    try {
      return await Promise.all(
        users.map(async (user) =>
          internals.fromRows(
            await sql.unsafe<{ sku: string | null; quantity: number | null; version: number }[]>(internals.cartSql, [user.email]),
            await sql.unsafe<{ key: string }[]>(internals.keysSql, [user.email]),
          ),
        ),
      );
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  const db = new Database(target.sqlite, { readonly: true });
  try {
    const sqlite = (text: string): string => text.replaceAll('$1', '?');
    const cart = db.prepare<[string], { sku: string | null; quantity: number | null; version: number }>(sqlite(internals.cartSql));
    const keys = db.prepare<[string], { key: string }>(sqlite(internals.keysSql));
    return users.map((user) => internals.fromRows(cart.all(user.email), keys.all(user.email)));
  } finally {
    db.close();
  }
}

/** Compares what clients were told with what the database holds. */
export function judge(users: readonly LoadUser[], operations: readonly AddOperation[], stored: readonly StoredCart[]): Verdict {
  const verdict: Verdict = { acknowledged: 0, lost: 0, doubled: 0, missingKeys: 0, unexpectedKeys: 0, versionMismatches: 0 };
  users.forEach((user, i) => {
    const cart = stored[i]!;
    const mine = operations.filter((operation) => operation.user === user.index);
    const acked = mine.filter((operation) => operation.acknowledged);
    verdict.acknowledged += acked.length;
    const expected = new Map<string, number>();
    for (const operation of acked) {
      expected.set(operation.sku, (expected.get(operation.sku) ?? 0) + 1);
    }
    for (const sku of new Set([...expected.keys(), ...cart.lines.keys()])) {
      const want = expected.get(sku) ?? 0;
      const have = cart.lines.get(sku) ?? 0;
      verdict.lost += Math.max(0, want - have);
      verdict.doubled += Math.max(0, have - want);
    }
    const ackedKeys = new Set(acked.map((operation) => operation.key));
    verdict.missingKeys += [...ackedKeys].filter((key) => !cart.keys.has(key)).length;
    verdict.unexpectedKeys += [...cart.keys].filter((key) => !ackedKeys.has(key)).length;
    if (cart.version !== cart.keys.size) {
      verdict.versionMismatches++;
    }
  });
  return verdict;
}
