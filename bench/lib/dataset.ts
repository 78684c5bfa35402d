import Database from 'better-sqlite3';

import { emailSkeleton } from '../../server/auth/email-skeleton.js';
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
  // Registration records each account's look-alike key; without them the server's start-up would backfill a million.
  const insertSkeleton = db.prepare('INSERT INTO email_skeletons (skeleton, user_id) VALUES (?, ?)');
  const insertCart = db.prepare('INSERT INTO carts (user_id, version) VALUES (?, ?)');
  const insertLine = db.prepare('INSERT INTO cart_lines (user_id, sku, quantity, added_at) VALUES (?, ?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    const now = Date.now();
    for (let i = from; i < to; i++) {
      const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
      const email = `bulk-${i}@bench.test`;
      insertUser.run(id, email, 'scrypt$bench-user-cannot-log-in', now);
      insertSkeleton.run(emailSkeleton(email), id);
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

/**
 * Fills a fresh SQLite file with the demo catalogue plus filler products up to `products` in all, for the "search stays
 * an index lookup as the catalogue grows" figure. Filler goes through the Store's upsert (so the search index is kept
 * by the same triggers as in production) and is made of words no demo product uses, so a search for a demo product
 * finds the same few products at any size: the figure measures the lookup, not a growing answer.
 */
export async function buildCatalogDatabase(file: string, products: number): Promise<void> {
  const store = await openStore({ url: file, dataDir: '.' });
  try {
    await seedDemoCatalog(store);
    const adjectives = ['alder', 'birch', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kestrel', 'lagoon'];
    const nouns = ['lantern', 'ledger', 'satchel', 'kettle', 'trowel', 'compass', 'blanket', 'crate', 'ladle', 'spindle', 'quiver', 'easel'];
    const filler = Math.max(0, products - demoCatalog.length);
    const step = 5_000;
    for (let from = 0; from < filler; from += step) {
      const batch = Array.from({ length: Math.min(step, filler - from) }, (_, k) => {
        const i = from + k;
        const adjective = adjectives[i % adjectives.length] as string;
        const noun = nouns[Math.floor(i / adjectives.length) % nouns.length] as string;
        return {
          sku: `FILL-${i.toString().padStart(7, '0')}`,
          name: `${adjective} ${noun} ${i}`,
          description: `A ${adjective} ${noun}, number ${i} of the bench catalogue.`,
          prices: { EUR: 100 + (i % 5000), USD: 110 + (i % 5000) },
          active: true,
        };
      });
      await store.products.upsert(batch);
    }
  } finally {
    await store.close();
  }
}
