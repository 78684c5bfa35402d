import Database from 'better-sqlite3';

import { demoCatalog } from '../../server/db/demo-catalog.js';
import { openStore } from '../../server/db/open-store.js';
import { seedDemoCatalog } from '../../server/db/seed.js';

/**
 * Fills a fresh SQLite file with `users` accounts holding `linesPerUser` cart lines each, for the "does GET /cart stay
 * flat as the tables grow" figure. Going through the Store would take minutes for ten million rows, so after the
 * store has created and migrated the file, rows are written with plain INSERTs in large transactions. This is the one
 * place outside server/db that knows table names; it is benchmark set-up, never product code.
 */
export async function buildLargeSqliteDatabase(file: string, users: number, linesPerUser: number): Promise<void> {
  const store = await openStore({ url: file, dataDir: '.' });
  await seedDemoCatalog(store);
  await store.close();

  const db = new Database(file);
  db.pragma('journal_mode = OFF'); // bulk load only: nothing else has the file open, and a crash means "run it again"
  db.pragma('synchronous = OFF');
  const skus = demoCatalog.filter((product) => product.active).map((product) => product.sku);
  const insertUser = db.prepare('INSERT INTO users (id, email, password_hash, token_version, created_at) VALUES (?, ?, ?, 0, ?)');
  const insertCart = db.prepare('INSERT INTO carts (user_id, version) VALUES (?, ?)');
  const insertLine = db.prepare('INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES (?, ?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    const now = Date.now();
    for (let i = from; i < to; i++) {
      const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
      insertUser.run(id, `bulk-${i}@bench.test`, 'scrypt$bench-user-cannot-log-in', now);
      insertCart.run(id, linesPerUser);
      for (let j = 0; j < linesPerUser; j++) {
        insertLine.run(id, skus[(i + j) % skus.length], 1 + ((i + j) % 5), now + j);
      }
    }
  });
  const step = 20_000;
  for (let from = 0; from < users; from += step) {
    batch(from, Math.min(users, from + step));
  }
  db.pragma('journal_mode = WAL');
  db.exec('ANALYZE');
  db.close();
}
