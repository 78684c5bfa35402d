/*
 * No overselling: a product with 7 in stock, 40 buyers checking out at once through three real server processes on one
 * database (one SQLite file, or one Postgres database). Exactly 7 units are sold, the stock ends at 0 and is never seen
 * below it, every other buyer gets OUT_OF_STOCK, and every order acknowledged is in the database exactly once.
 */
import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { ErrorBody } from '../../shared/errors.js';
import type { Cart, Order, Product, TokenPair } from '../../shared/wire.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';
import { tally } from './helpers/figures.js';
import { inParallel, type Reply, send } from './helpers/http.js';
import { ensureServerBuilt, type ServerProcess, startServerProcess } from './helpers/processes.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  instances: 3,
  buyers: 40,
  stock: 7,
  sku: 'LIMITED-7',
  password: 'correct horse battery staple',

  /** Retries what the API says is worth retrying (a busy database), with the same Idempotency-Key. */
  async checkout(base: string, token: string, version: number, key: string): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const reply = await send(base, 'POST', '/orders', { token, headers: { 'if-match': `"${version}"`, 'idempotency-key': key } });
      const code = (reply.json as ErrorBody | undefined)?.code;
      if ((reply.status !== 503 && code !== 'IDEMPOTENCY_IN_FLIGHT') || attempt >= 20) {
        return reply;
      }
      await new Promise((resolve) => setTimeout(resolve, 25 + attempt * 25));
    }
  },
};

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`checkouts through ${internals.instances} server processes on one ${kind} database`, () => {
    let db: InspectableDatabase;
    let servers: ServerProcess[] = [];
    const server = (index: number): string => servers[index % servers.length]!.url;

    before(async () => {
      await ensureServerBuilt();
      db = await openDatabase(kind);
      await db.store.products.upsert([{ sku: internals.sku, name: 'Limited', description: '', prices: { EUR: 2500 }, active: true, stock: internals.stock }]);
      servers = await Promise.all(Array.from({ length: internals.instances }, () => startServerProcess({ DATABASE_URL: db.url, SHOP_SEED_CATALOG: '0' })));
    });

    after(async () => {
      const died = servers.filter((instance) => instance.exit() !== undefined).map((instance) => instance.log());
      await Promise.all(servers.map((instance) => instance.stop()));
      await db.dispose();
      expect(died).to.equal([]);
    });

    it(`sells exactly ${internals.stock} units to ${internals.buyers} concurrent buyers, and never goes below zero`, async () => {
      const buyers = await inParallel(Array.from({ length: internals.buyers }, (_, index) => index), 8, async (index) => {
        const email = `buyer-${index}-${Math.random().toString(36).slice(2, 8)}@example.test`;
        expect((await send(server(index), 'POST', '/auth/register', { body: { email, password: internals.password } })).status).to.equal(201);
        const token = ((await send(server(index + 1), 'POST', '/auth/login', { body: { email, password: internals.password } })).json as TokenPair).accessToken;
        const cart = (await send(server(index + 2), 'POST', '/cart/items', { token, body: { sku: internals.sku, quantity: 1 } })).json as Cart;
        return { token, version: cart.version, key: `checkout-${index}` };
      });

      let lowest = internals.stock;
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const product = (await send(server(0), 'GET', `/products/${internals.sku}`)).json as Product;
          lowest = Math.min(lowest, product.stock ?? Number.POSITIVE_INFINITY);
        }
      })();
      const replies = await Promise.all(buyers.map((buyer, index) => internals.checkout(server(index), buyer.token, buyer.version, buyer.key)));
      watching = false;
      await watcher;

      const placed = replies.filter((reply) => reply.status === 201).map((reply) => reply.json as Order);
      const refused = replies.filter((reply) => reply.status !== 201).map((reply) => `${reply.status} ${(reply.json as ErrorBody | undefined)?.code}`);
      const orders = await db.rows('orders');
      const [product] = (await db.rows('products')).filter((row) => row.sku === internals.sku);
      const sold = orders.reduce((sum, row) => sum + (JSON.parse(String(row.lines)) as Order['lines'])[0]!.quantity, 0);
      tally('overselling', kind, { placed: placed.length, 'units sold': sold, oversold: Math.max(0, sold - internals.stock), 'lowest stock seen': lowest });

      expect(placed).to.have.length(internals.stock);
      expect(refused).to.equal(Array(internals.buyers - internals.stock).fill('409 OUT_OF_STOCK'));
      expect(orders.map((row) => row.id).sort()).to.equal(placed.map((order) => order.id).sort());
      expect(sold).to.equal(internals.stock);
      expect(Number(product!.stock)).to.equal(0);
      expect(lowest).to.be.at.least(0);
    });
  });
}
