import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import Database from 'better-sqlite3';
import postgres from 'postgres';

import type { ErrorBody } from '../../shared/errors.js';
import type { Cart, Order } from '../../shared/wire.js';
import type { Checks } from './checks.js';
import type { Deployment } from './deployment.js';
import { type LoadUser, registerUsers } from './load.js';

const internals = {
  sku: 'CANDLE-CITRUS',
  stock: 7,
  buyers: 40,
  maxAttempts: 40,
  /** Checkouts start spread over this long, so the instance is killed while some are under way and some are still to come. */
  spreadMs: 2000,
  /**
   * Early in the spread: the 7 units go to the first buyers to arrive (about the first 350 ms on average), so a fault
   * after that would only meet refusals, never an order being placed.
   */
  freezeAtMs: 150,
  /**
   * The instance is frozen (SIGSTOP) this long before it is killed: checkouts sent to it meanwhile wait wherever they
   * were, a transaction open or committed but not answered, and die there; an instant kill alone met none in flight.
   */
  freezeMs: 800,

  /** Sets the stock directly in the database, as an operator's catalogue import would. */
  async setStock(target: { postgres: string } | { sqlite: string }, stock: number): Promise<void> {
    if ('postgres' in target) {
      const sql = postgres(target.postgres, { max: 1, onnotice: () => {} });
      await sql`UPDATE products SET stock = ${stock} WHERE sku = ${internals.sku}`;
      await sql.end({ timeout: 1 });
      return;
    }
    const db = new Database(target.sqlite, { timeout: 5000 });
    db.prepare('UPDATE products SET stock = ? WHERE sku = ?').run(stock, internals.sku);
    db.close();
  },

  /** The stock and this phase's orders (id, owner's email, units), read directly with SQL. */
  async readOutcome(target: { postgres: string } | { sqlite: string }, phase: string) {
    const ordersSql = `SELECT o.id, u.email, o.lines FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email LIKE '${phase}-%'`;
    if ('postgres' in target) {
      const sql = postgres(target.postgres, { max: 1, onnotice: () => {} });
      const [product] = await sql<{ stock: number | null }[]>`SELECT stock FROM products WHERE sku = ${internals.sku}`;
      const orders = await sql.unsafe<{ id: string; email: string; lines: string }[]>(ordersSql);
      await sql.end({ timeout: 1 });
      return { stock: product?.stock ?? null, orders: [...orders] };
    }
    const db = new Database(target.sqlite, { readonly: true });
    try {
      const stock = db.prepare<[string], number | null>('SELECT stock FROM products WHERE sku = ?').pluck().get(internals.sku) ?? null;
      return { stock, orders: db.prepare<[], { id: string; email: string; lines: string }>(ordersSql).all() };
    } finally {
      db.close();
    }
  },

  async post(url: string, token: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  },

  /** A refusal is final; what the balancer or a dying instance answered, or a busy key, is retried with the same key. */
  final(status: number, json: unknown): boolean {
    const code = (json as ErrorBody | undefined)?.code;
    return status < 500 && status !== 429 && code !== 'IDEMPOTENCY_IN_FLIGHT';
  },

  /** Sends the request until it gets a final answer, with one Idempotency-Key throughout. */
  async untilFinal(url: string, user: LoadUser, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown; attempts: number }> {
    const key = randomUUID();
    for (let attempts = 1; ; attempts++) {
      const reply = await internals.post(url, user.accessToken, { ...headers, 'idempotency-key': key }, body).catch(() => undefined);
      if ((reply && internals.final(reply.status, reply.json)) || attempts >= internals.maxAttempts) {
        return { status: reply?.status ?? 0, json: reply?.json, attempts };
      }
      await sleep(Math.min(25 * 2 ** attempts, 400) * (0.5 + Math.random()));
    }
  },
};

/**
 * No overselling through the whole deployment: 40 buyers of a product with 7 in stock check out through nginx while one
 * instance is frozen, then killed with SIGKILL (and then started again). Every buyer retries with its key until it has a final
 * answer; exactly 7 orders are placed and stored, each once, the stock ends at 0, and everyone else got OUT_OF_STOCK.
 */
export async function checkoutPhase(checks: Checks, phase: string, deployment: Deployment, target: { postgres: string } | { sqlite: string }): Promise<void> {
  await internals.setStock(target, internals.stock);
  const users = await registerUsers(deployment.nginx.url, phase, internals.buyers);
  const carts = await Promise.all(users.map((user) => internals.untilFinal(`${deployment.nginx.url}/cart/items`, user, {}, { sku: internals.sku, quantity: 1 })));
  const started = Date.now();
  const chaos = (async () => {
    await sleep(internals.freezeAtMs);
    const frozen = deployment.kill(1, 'SIGSTOP');
    checks.log(`  ${phase}: froze instance 2 with SIGSTOP at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await sleep(internals.freezeMs);
    frozen.child.kill('SIGKILL');
    checks.log(`  ${phase}: killed it with SIGKILL at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  })();
  const answers = await Promise.all(
    users.map(async (user, index) => {
      await sleep(Math.random() * internals.spreadMs);
      const version = (carts[index]!.json as Cart).version;
      return internals.untilFinal(`${deployment.nginx.url}/orders`, user, { 'if-match': `"${version}"` });
    }),
  );
  await chaos;
  await deployment.startInstance(1);

  const placed = answers.filter((answer) => answer.status === 201).map((answer) => answer.json as Order);
  const outOfStock = answers.filter((answer) => (answer.json as ErrorBody | undefined)?.code === 'OUT_OF_STOCK').length;
  const unanswered = answers.length - placed.length - outOfStock;
  const { stock, orders } = await internals.readOutcome(target, phase);
  const stored = new Set(orders.map((order) => order.id));
  const lost = placed.filter((order) => !stored.has(order.id)).length;
  const acknowledged = new Set(placed.map((order) => order.id));
  const doubled = orders.filter((order) => !acknowledged.has(order.id)).length + (orders.length - stored.size);
  const sold = orders.reduce((sum, order) => sum + (JSON.parse(order.lines) as Order['lines']).reduce((units, line) => units + line.quantity, 0), 0);
  const retried = answers.filter((answer) => answer.attempts > 1).length;
  checks.log(
    `  ${phase}: ${placed.length} placed, ${outOfStock} OUT_OF_STOCK, ${unanswered} without a final answer; ${retried} checkouts retried by their client (nginx resends a keyed request an instance dropped itself); ` +
      `stored ${orders.length} orders, ${sold} units sold, stock left ${stock}`,
  );
  checks.check(`${phase}: exactly ${internals.stock} of ${internals.buyers} concurrent checkouts placed, the rest OUT_OF_STOCK`, placed.length === internals.stock && outOfStock === internals.buyers - internals.stock, `${placed.length} placed, ${outOfStock} refused, ${unanswered} unanswered`);
  checks.check(`${phase}: 0 oversold (${internals.stock} units sold, stock 0)`, sold === internals.stock && stock === 0, `sold ${sold}, stock ${stock}`);
  checks.check(`${phase}: 0 orders lost or doubled across the killed instance`, lost === 0 && doubled === 0, `${lost} lost, ${doubled} doubled`);
}
