/*
 * The database goes away under a running server: a dedicated Postgres cluster is killed (`pg_ctl stop -m immediate`)
 * while requests are inside their transactions, and started again on the same data directory and port. The server
 * must answer 503 SERVICE_UNAVAILABLE (never 500, never hang, never crash), report itself not ready, recover by
 * itself, and end with every change applied exactly once — nothing half-applied.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import postgres from 'postgres';

import { isErrorBody } from '../../shared/errors.js';
import type { Cart, Me, Preferences, TokenPair } from '../../shared/wire.js';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres.js';
import { type CartOp, checkCartHistory, linesOf, type Observation } from './helpers/cart-history.js';
import { tally } from './helpers/figures.js';
import { inParallel, type Reply, send } from './helpers/http.js';
import { ensureServerBuilt, type ServerProcess, startServerProcess } from './helpers/processes.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

interface User {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

const internals = {
  password: 'correct horse battery staple',
  database: 'shop_faults',

  /** The request that carries out `op`. */
  request(op: CartOp): { method: string; path: string; body?: unknown } {
    switch (op.kind) {
      case 'add':
        return { method: 'POST', path: '/cart/items', body: { sku: op.sku, quantity: op.quantity } };
      case 'set':
        return { method: 'PUT', path: `/cart/items/${op.sku}`, body: { quantity: op.quantity } };
      case 'remove':
        return { method: 'DELETE', path: `/cart/items/${op.sku}` };
    }
  },

  /** A 503 in the standard shape that tells the client to come back. */
  isCleanUnavailable(reply: Reply): boolean {
    return reply.status === 503 && isErrorBody(reply.json) && reply.json.code === 'SERVICE_UNAVAILABLE' && reply.json.statusCode === 503;
  },
};

describe('the server when its Postgres goes away mid-request', () => {
  let cluster: PostgresCluster;
  let databaseUrl: string;
  let server: ServerProcess;
  const figures = {
    'requests during the outage': 0,
    'clean 503s': 0,
    'unclean answers': 0,
    'requests that hung': 0,
    'ops acknowledged': 0,
    lost: 0,
    doubled: 0,
    'half-applied': 0,
    'server crashes': 0,
    'ms slowest answer during an outage': 0,
    'ms slowest return to ready after Postgres came back': 0,
  };

  const uncleanAnswers: string[] = [];
  /** True from the moment Postgres is stopped until /readyz answers again. */
  let down = false;

  /** Every answer the server gave, so the figures count them all. */
  const observe = (reply: Reply, path: string, outage: boolean): Reply => {
    if (outage || down) {
      figures['requests during the outage']++;
    }
    // /readyz answers 503 by design, in its own shape: it is a probe, not an error.
    if (reply.status >= 500 && path !== '/readyz') {
      if (internals.isCleanUnavailable(reply)) {
        figures['clean 503s']++;
      } else {
        figures['unclean answers']++;
        uncleanAnswers.push(`${reply.status} ${reply.text.slice(0, 200)}`);
      }
    }
    return reply;
  };

  /** One attempt; a request that does not end within 20 s counts as hung and answers status 0. */
  const attempt = async (method: string, path: string, options: { token?: string; body?: unknown; key?: string }, outage = false): Promise<Reply> => {
    try {
      const reply = await send(server.url, method, path, {
        timeoutMs: 20_000,
        ...(options.token === undefined ? {} : { token: options.token }),
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.key === undefined ? {} : { headers: { 'idempotency-key': options.key } }),
      });
      return observe(reply, path, outage);
    } catch (error) {
      figures['requests that hung']++;
      return { status: 0, headers: new Headers(), text: String(error), json: undefined };
    }
  };

  /** Retries a keyed mutation until the server acknowledges it, as a well-behaved client does after a 503. */
  const untilAcknowledged = async (user: User, op: CartOp): Promise<Reply> => {
    const { method, path, body } = internals.request(op);
    for (let tries = 0; ; tries++) {
      const reply = await attempt(method, path, { token: user.token, key: op.id, ...(body === undefined ? {} : { body }) });
      if (reply.status === 200 || tries >= 60) {
        return reply;
      }
      await sleep(50 + Math.min(tries, 10) * 50);
    }
  };

  /** Polls /readyz after Postgres is back; returns how long it took the server to notice. */
  const waitUntilReady = async (timeoutMs: number): Promise<number> => {
    const started = Date.now();
    for (;;) {
      const reply = await send(server.url, 'GET', '/readyz').catch(() => undefined);
      if (reply?.status === 200) {
        const took = Date.now() - started;
        figures['ms slowest return to ready after Postgres came back'] = Math.max(figures['ms slowest return to ready after Postgres came back'], took);
        return took;
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms after Postgres came back:\n${server.log()}`);
      }
      await sleep(50);
    }
  };

  const newUser = async (label: string): Promise<User> => {
    const email = `${label}-${Math.random().toString(36).slice(2, 10)}@example.test`;
    expect((await send(server.url, 'POST', '/auth/register', { body: { email, password: internals.password } })).status).to.equal(201);
    const pair = (await send(server.url, 'POST', '/auth/login', { body: { email, password: internals.password } })).json as TokenPair;
    const me = (await send(server.url, 'GET', '/me', { token: pair.accessToken })).json as Me;
    return { id: me.id, email, token: pair.accessToken, refreshToken: pair.refreshToken };
  };

  /** Looks into the database directly, on a connection of its own that lives no longer than the look. */
  const inspect = async <T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> => {
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, fetch_types: false, connect_timeout: 5 });
    try {
      return await work(sql);
    } finally {
      await sql.end({ timeout: 1 });
    }
  };

  /** Checks the user's cart against every acknowledged change, and that no idempotency record was left half-written. */
  const settle = async (user: User, ops: readonly CartOp[], replies: ReadonlyMap<string, Reply>): Promise<string[]> => {
    const observations: Observation[] = [];
    const problems: string[] = [];
    for (const op of ops) {
      const reply = replies.get(op.id);
      if (reply?.status !== 200) {
        problems.push(`${op.id} was never acknowledged: ${reply?.status} ${reply?.text.slice(0, 120)}`);
        continue;
      }
      figures['ops acknowledged']++;
      const cart = reply.json as Cart;
      observations.push({ op, lines: linesOf(cart), version: cart.version });
    }
    const final = (await send(server.url, 'GET', '/cart', { token: user.token })).json as Cart;
    const history = checkCartHistory({ lines: {}, version: 0 }, observations, { lines: linesOf(final), version: final.version });
    figures.lost += history.lost;
    figures.doubled += history.unexplained;
    problems.push(...history.problems);

    const records = await inspect((sql) => sql<{ key: string; status: number | null }[]>`SELECT key, status FROM idempotency_keys WHERE scope = ${`user:${user.id}`}`);
    const halfWritten = records.filter((record) => record.status === null);
    figures['half-applied'] += halfWritten.length;
    if (halfWritten.length > 0) {
      problems.push(`idempotency keys claimed without their answer: ${halfWritten.map((record) => record.key).join(', ')}`);
    }
    const cartOps = new Set(ops.map((op) => op.id));
    const stored = records.filter((record) => cartOps.has(record.key));
    if (stored.length !== ops.length) {
      figures.doubled += Math.max(0, stored.length - ops.length);
      problems.push(`${stored.length} idempotency records for ${ops.length} acknowledged changes`);
    }
    return problems;
  };

  before(async () => {
    await ensureServerBuilt();
    // A cluster of its own: stopping the shared one would break every other suite running against it.
    cluster = await startPostgresCluster({ durableCommits: true });
    const admin = postgres(cluster.adminUrl, { max: 1, onnotice: () => {}, fetch_types: false });
    await admin.unsafe(`CREATE DATABASE ${internals.database}`);
    await admin.end({ timeout: 1 });
    const url = new URL(cluster.adminUrl);
    url.pathname = `/${internals.database}`;
    databaseUrl = url.toString();
    server = await startServerProcess({ DATABASE_URL: databaseUrl });
  });

  after(async () => {
    tally('faults', 'postgres killed and restarted', figures);
    await server?.stop();
    await cluster?.stop();
  });

  it('answers 503 to requests caught inside their transactions and to every request while Postgres is down, then recovers fully', async () => {
    const user = await newUser('outage');
    const replies = new Map<string, Reply>();
    const ops: CartOp[] = [
      { id: 'before-1', kind: 'add', sku: 'MUG-BLUE', quantity: 2 },
      { id: 'before-2', kind: 'set', sku: 'TEE-BLACK-M', quantity: 5 },
    ];
    for (const op of ops) {
      replies.set(op.id, await untilAcknowledged(user, op));
    }

    // Hold the user's cart and user rows, so the next writes wait inside their transactions (their idempotency claims
    // already made) for as long as it takes to pull the plug.
    const blocker = postgres(databaseUrl, { max: 1, onnotice: () => {}, fetch_types: false });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = blocker
      .begin(async (tx) => {
        await tx`SELECT 1 FROM carts WHERE user_id = ${user.id} FOR UPDATE`;
        await tx`SELECT 1 FROM users WHERE id = ${user.id} FOR UPDATE`;
        locked();
        await new Promise<never>(() => {});
      })
      .catch(() => undefined);
    await isLocked;

    const caught: CartOp[] = [
      { id: 'caught-1', kind: 'add', sku: 'MUG-BLUE', quantity: 3 },
      { id: 'caught-2', kind: 'add', sku: 'CAP-NAVY', quantity: 1 },
      { id: 'caught-3', kind: 'set', sku: 'MUG-BLUE', quantity: 9 },
      { id: 'caught-4', kind: 'remove', sku: 'TEE-BLACK-M' },
      { id: 'caught-5', kind: 'add', sku: 'PEN-GEL-5', quantity: 4 },
      { id: 'caught-6', kind: 'set', sku: 'TOTE-CANVAS', quantity: 2 },
    ];
    const caughtPrefs = ['theme', 'currency', 'locale'].map((key, index) => ({ key, value: ['dark', 'EUR', 'en-GB'][index]!, id: `caught-pref-${key}` }));
    const inFlight = [
      ...caught.map((op) => {
        const { method, path, body } = internals.request(op);
        return attempt(method, path, { token: user.token, key: op.id, ...(body === undefined ? {} : { body }) }, true);
      }),
      ...caughtPrefs.map((pref) => attempt('PUT', `/preferences/${pref.key}`, { token: user.token, key: pref.id, body: { value: pref.value } }, true)),
    ];
    // Wait until every one of them is inside the database, waiting on the lock.
    for (let waited = 0; ; waited += 50) {
      const [row] = await inspect((sql) => sql<{ waiting: number }[]>`
        SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = ${internals.database} AND wait_event_type = 'Lock'`);
      if ((row?.waiting ?? 0) >= inFlight.length) {
        break;
      }
      expect(waited, `only ${row?.waiting} of ${inFlight.length} requests reached the lock`).to.be.below(10_000);
      await sleep(50);
    }

    down = true;
    await cluster.halt();
    const inFlightReplies = await Promise.all(inFlight);
    await holding;
    await blocker.end({ timeout: 0 }).catch(() => undefined);
    expect(inFlightReplies.filter((reply) => !internals.isCleanUnavailable(reply)).map((reply) => `${reply.status} ${reply.text.slice(0, 200)}`)).to.equal([]);

    // While it is down: every request that needs the database gets a clean 503, readiness fails, liveness holds.
    const probes: Array<[string, string, { token?: string; body?: unknown; key?: string }]> = [
      ['GET', '/cart', { token: user.token }],
      ['GET', '/me', { token: user.token }],
      ['GET', '/preferences', { token: user.token }],
      ['POST', '/cart/items', { token: user.token, body: { sku: 'MUG-WHITE', quantity: 1 }, key: 'outage-add' }],
      ['DELETE', '/cart', { token: user.token }],
      ['PUT', '/preferences/theme', { token: user.token, body: { value: 'light' } }],
      ['GET', '/products', {}],
      ['GET', '/products/MUG-BLUE', {}],
      ['POST', '/auth/login', { body: { email: user.email, password: internals.password } }],
      ['POST', '/auth/register', { body: { email: `outage-${Date.now()}@example.test`, password: internals.password } }],
      ['POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }],
    ];
    const during = await Promise.all(probes.map(([method, path, options]) => attempt(method, path, options, true)));
    expect(during.map((reply, index) => `${probes[index]![0]} ${probes[index]![1]} → ${reply.status} ${reply.text.slice(0, 150)}`).filter((line) => !line.includes('→ 503 '))).to.equal([]);
    expect(during.every((reply) => internals.isCleanUnavailable(reply) && reply.headers.get('retry-after') !== null)).to.be.true();
    expect((await attempt('GET', '/readyz', {}, true)).status).to.equal(503);
    expect((await attempt('GET', '/healthz', {}, true)).status).to.equal(200);
    figures['server crashes'] += server.exit() === undefined ? 0 : 1;
    expect(server.exit(), server.log()).to.be.undefined();

    // It comes back; the server notices by itself.
    await cluster.restart();
    await waitUntilReady(30_000);
    down = false;

    // Every change the clients were told to retry now lands exactly once; the one sent during the outage too.
    const retried: CartOp[] = [...caught, { id: 'outage-add', kind: 'add', sku: 'MUG-WHITE', quantity: 1 }];
    for (const op of retried) {
      replies.set(op.id, await untilAcknowledged(user, op));
    }
    for (const pref of caughtPrefs) {
      const reply = await attempt('PUT', `/preferences/${pref.key}`, { token: user.token, key: pref.id, body: { value: pref.value } });
      expect(reply.status).to.equal(200);
    }
    const problems = await settle(user, [...ops, ...retried], replies);
    expect(problems).to.equal([]);
    expect(((await send(server.url, 'GET', '/preferences', { token: user.token })).json as Preferences).preferences).to.equal({ currency: 'EUR', locale: 'en-GB', theme: 'dark' });
    // Sessions survive the outage: the refresh token refused during it still works.
    expect((await send(server.url, 'POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).to.equal(200);
  });

  it('applies every change exactly once when Postgres is killed under a stream of writes and restarted', async () => {
    const user = await newUser('stream');
    const skus = ['MUG-BLUE', 'MUG-WHITE', 'CAP-NAVY', 'PEN-GEL-5'];
    // Adds only, at most 24 per line of at most 3: every one must succeed once Postgres is back.
    const ops: CartOp[] = Array.from({ length: 96 }, (_, index) => ({ id: `stream-${index}`, kind: 'add', sku: skus[index % skus.length]!, quantity: 1 + ((index * 7) % 3) }));
    let completed = 0;
    let outage: Promise<void> | undefined;
    const replies = new Map<string, Reply>();
    await inParallel(ops, 8, async (op) => {
      replies.set(op.id, await untilAcknowledged(user, op));
      completed++;
      // A third of the way in, pull the plug for a second while the other workers are mid-request.
      if (completed === 32) {
        outage = (async () => {
          down = true;
          await cluster.halt();
          await sleep(1000);
          await cluster.restart();
          await waitUntilReady(30_000);
          down = false;
        })();
      }
    });
    await outage;
    figures['server crashes'] += server.exit() === undefined ? 0 : 1;
    expect(server.exit(), server.log()).to.be.undefined();
    const problems = await settle(user, ops, replies);
    expect(problems).to.equal([]);
    expect(uncleanAnswers).to.equal([]);
    expect(figures['requests that hung']).to.equal(0);
  });

  it('answers within two seconds throughout a long outage, and is ready within five seconds of Postgres coming back', async () => {
    const user = await newUser('long');
    down = true;
    await cluster.halt();
    // Steady traffic for six seconds, as load balancer probes and retrying clients would send.
    const slow: string[] = [];
    const outageStarted = Date.now();
    while (Date.now() < outageStarted + 6000) {
      const started = Date.now();
      const replies = await Promise.all([
        attempt('GET', '/cart', { token: user.token }),
        attempt('GET', '/products', {}),
        attempt('POST', '/cart/items', { token: user.token, body: { sku: 'MUG-BLUE', quantity: 1 }, key: 'long-add' }),
      ]);
      const took = Date.now() - started;
      figures['ms slowest answer during an outage'] = Math.max(figures['ms slowest answer during an outage'], took);
      if (took > 2000 || !replies.every((reply) => internals.isCleanUnavailable(reply))) {
        slow.push(`${((started - outageStarted) / 1000).toFixed(1)} s into the outage: ${replies.map((reply) => reply.status).join(', ')} after ${took} ms`);
      }
      await sleep(200);
    }
    await cluster.restart();
    const recovery = await waitUntilReady(30_000);
    down = false;
    // The change refused throughout lands once, now.
    const replies = new Map([['long-add', await untilAcknowledged(user, { id: 'long-add', kind: 'add', sku: 'MUG-BLUE', quantity: 1 })]]);
    expect(await settle(user, [{ id: 'long-add', kind: 'add', sku: 'MUG-BLUE', quantity: 1 }], replies)).to.equal([]);
    expect(slow).to.equal([]);
    expect(recovery, `ready ${recovery} ms after Postgres accepted connections again`).to.be.below(5000);
  });
});
