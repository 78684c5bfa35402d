/*
 * Run as a separate process by sqlite-store.test.ts: opens the store on a shared file (migrating it, if it gets there
 * first) and adds to one cart line in `count` transactions. Prints the quantities it saw, as JSON, on stdout.
 *
 *   node --import tsx test/db/sqlite-worker.ts <file> <userId> <sku> <count>
 */
import { openStore } from '../../server/db/open-store.js';
import { addToLine } from '../helpers/cart-lines.js';

const [file, userId, sku, count] = process.argv.slice(2);
if (file === undefined || userId === undefined || sku === undefined || count === undefined) {
  throw new Error('usage: sqlite-worker.ts <file> <userId> <sku> <count>');
}

const store = await openStore({ url: file, dataDir: '.' });
const seen: Array<number | null> = [];
for (let i = 0; i < Number(count); i++) {
  seen.push(
    await store.transaction(async (tx) => {
      await tx.carts.lock(userId);
      const quantity = await addToLine(tx, userId, sku, 1, new Date());
      await tx.carts.bumpVersion(userId);
      return quantity;
    }),
  );
}
await store.close();
process.stdout.write(JSON.stringify(seen));
