/*
 * Many clients at once, through several real server processes (`node dist/server/main.js`) sharing one database: one
 * SQLite file, or one Postgres database. Every acknowledged change must be in the final state exactly once, and of
 * many concurrent refreshes of one refresh token exactly one may win.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import type { ErrorBody } from '../../shared/errors.js';
import type { Cart, Me, Preferences, TokenPair } from '../../shared/wire.js';
import { testConfig } from '../helpers/config.js';
import { buildServer } from '../helpers/server.js';
import { type CartOp, checkCartHistory, linesOf, type Observation } from './helpers/cart-history.js';
import { type DatabaseKind, type InspectableDatabase, openDatabase } from './helpers/database.js';
import { tally } from './helpers/figures.js';
import { inParallel, type Reply, send } from './helpers/http.js';
import { ensureServerBuilt, type ServerProcess, startServerProcess } from './helpers/processes.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  instances: 3,
  clients: 16,
  cartOps: 240,
  seed: 20_260_103,
  password: 'correct horse battery staple',
  config: testConfig(),
  lines: ['MUG-BLUE', 'MUG-WHITE', 'TEE-BLACK-M', 'CAP-NAVY', 'TOTE-CANVAS', 'PEN-GEL-5'],

  /**
   * A seeded plan of adds, sets and removes on a few lines. Adds per line are capped so no line can pass 99 (20 adds of
   * at most 3 on top of a set of at most 20): every change is meant to succeed, so every refusal is a finding.
   */
  planCartOps(count: number, seed: number): Array<{ op: CartOp; copies: number }> {
    const adds = new Map<string, number>();
    return fc.sample(fc.tuple(fc.constantFrom(...internals.lines), fc.nat(99)), { seed, numRuns: count }).map(([sku, roll], index) => {
      const id = `cart-${seed}-${index}`;
      // One change in seven is sent twice at once, to two instances, as a client retrying a slow request would.
      const copies = roll % 7 === 0 ? 2 : 1;
      if (roll < 60 && (adds.get(sku) ?? 0) < 20) {
        adds.set(sku, (adds.get(sku) ?? 0) + 1);
        return { op: { id, kind: 'add', sku, quantity: 1 + (roll % 3) }, copies };
      }
      if (roll < 85) {
        return { op: { id, kind: 'set', sku, quantity: 1 + (roll % 20) }, copies };
      }
      return { op: { id, kind: 'remove', sku }, copies };
    });
  },

  /** Sends a mutation with its Idempotency-Key, retrying what the API says is worth retrying. */
  async mutate(base: string, token: string, method: string, path: string, key: string, body?: unknown): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      let reply: Reply | undefined;
      try {
        reply = await send(base, method, path, { token, headers: { 'idempotency-key': key }, ...(body === undefined ? {} : { body }) });
      } catch (error) {
        if (attempt >= 20) {
          throw error;
        }
      }
      const code = (reply?.json as ErrorBody | undefined)?.code;
      if (reply && reply.status !== 503 && code !== 'IDEMPOTENCY_IN_FLIGHT') {
        return reply;
      }
      if (attempt >= 20 && reply) {
        return reply;
      }
      await sleep(25 + attempt * 25);
    }
  },

  isReplay(reply: Reply): boolean {
    return reply.headers.get('idempotent-replayed') === 'true';
  },
};

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly DatabaseKind[]) {
  describe(`concurrent clients through ${internals.instances} server processes on one ${kind} database`, () => {
    let db: InspectableDatabase;
    let servers: ServerProcess[] = [];
    const figures = { 'ops acknowledged': 0, 'ops refused': 0, lost: 0, doubled: 0, 'refresh races': 0, 'refresh winners beyond one': 0, 'family breaches': 0 };

    const server = (index: number): string => servers[index % servers.length]!.url;

    const newUser = async (): Promise<{ id: string; email: string; token: string; refreshToken: string }> => {
      const email = `race-${Math.random().toString(36).slice(2, 10)}@example.test`;
      const registered = await send(server(0), 'POST', '/auth/register', { body: { email, password: internals.password } });
      expect(registered.status, registered.text).to.equal(201);
      const login = await send(server(1), 'POST', '/auth/login', { body: { email, password: internals.password } });
      expect(login.status, login.text).to.equal(200);
      const pair = login.json as TokenPair;
      const me = await send(server(2), 'GET', '/me', { token: pair.accessToken });
      return { id: (me.json as Me).id, email, token: pair.accessToken, refreshToken: pair.refreshToken };
    };

    before(async () => {
      await ensureServerBuilt();
      db = await openDatabase(kind);
      servers = await Promise.all(Array.from({ length: internals.instances }, () => startServerProcess({ DATABASE_URL: db.url, SHOP_SEED_CATALOG: '0' })));
    });

    after(async () => {
      tally('concurrency', kind, figures);
      // A server that died during the run would have made every later request fail; say which and why.
      const died = servers.filter((instance) => instance.exit() !== undefined).map((instance) => instance.log());
      await Promise.all(servers.map((instance) => instance.stop()));
      await db.dispose();
      expect(died).to.equal([]);
    });

    it('accounts for every acknowledged add, set and remove on shared cart lines exactly once', async () => {
      const user = await newUser();
      const plan = internals.planCartOps(internals.cartOps, internals.seed);
      const tasks = plan.flatMap(({ op, copies }, index) => Array.from({ length: copies }, (_, copy) => ({ op, instance: index + copy })));

      const replies = await inParallel(tasks, internals.clients, async ({ op, instance }) => {
        const base = server(instance);
        switch (op.kind) {
          case 'add':
            return internals.mutate(base, user.token, 'POST', '/cart/items', op.id, { sku: op.sku, quantity: op.quantity });
          case 'set':
            return internals.mutate(base, user.token, 'PUT', `/cart/items/${op.sku}`, op.id, { quantity: op.quantity });
          case 'remove':
            return internals.mutate(base, user.token, 'DELETE', `/cart/items/${op.sku}`, op.id);
        }
      });

      const byOp = new Map<string, Reply[]>();
      tasks.forEach((task, index) => byOp.set(task.op.id, [...(byOp.get(task.op.id) ?? []), replies[index]!]));
      const observations: Observation[] = [];
      const problems: string[] = [];
      let doubled = 0;
      for (const { op } of plan) {
        const answers = byOp.get(op.id)!;
        const ok = answers.filter((reply) => reply.status === 200);
        if (ok.length === 0) {
          figures['ops refused']++;
          problems.push(`${op.id} was never acknowledged: ${answers.map((reply) => `${reply.status} ${reply.text.slice(0, 100)}`).join('; ')}`);
          continue;
        }
        figures['ops acknowledged']++;
        const fresh = ok.filter((reply) => !internals.isReplay(reply));
        if (fresh.length > 1) {
          doubled += fresh.length - 1;
          problems.push(`${op.id} ran ${fresh.length} times under one Idempotency-Key`);
        }
        const original = fresh[0] ?? ok[0]!;
        if (ok.some((reply) => reply.text !== original.text)) {
          problems.push(`${op.id} was answered differently on replay`);
        }
        const cart = original.json as Cart;
        observations.push({ op, lines: linesOf(cart), version: cart.version });
      }

      const final = (await send(server(2), 'GET', '/cart', { token: user.token })).json as Cart;
      const history = checkCartHistory({ lines: {}, version: 0 }, observations, { lines: linesOf(final), version: final.version });
      figures.lost += history.lost;
      figures.doubled += doubled + history.unexplained;
      problems.push(...history.problems);

      // One stored answer per key, no more and no fewer.
      const keys = (await db.rows('idempotency_keys')).filter((row) => row.scope === `user:${user.id}`);
      if (keys.length !== plan.length - figures['ops refused']) {
        problems.push(`${keys.length} idempotency records for ${plan.length} changes`);
      }
      expect(problems).to.equal([]);
      expect(history.lost + history.unexplained + doubled).to.equal(0);
    });

    it('keeps the last write to every preference, and loses none, under concurrent sets and deletes', async () => {
      const user = await newUser();
      interface PrefOp {
        id: string;
        client: number;
        key: string;
        value: string | null;
        start: number;
        end: number;
        replies: Reply[];
      }
      const rolls = fc.sample(fc.tuple(fc.nat(4), fc.nat(9), fc.nat(9)), { seed: internals.seed + 1, numRuns: 8 * 12 });
      const perClient: PrefOp[][] = Array.from({ length: 8 }, (_, client) =>
        rolls.slice(client * 12, client * 12 + 12).map(([keyRoll, kindRoll], index) => {
          const id = `pref-${client}-${index}`;
          // Keys 0-2 belong to this client alone; 3 and 4 are fought over by all eight.
          const key = keyRoll < 3 ? `c${client}.k${keyRoll}` : `shared.k${keyRoll - 3}`;
          return { id, client, key, value: kindRoll < 7 ? `v-${id}` : null, start: 0, end: 0, replies: [] };
        }),
      );

      await Promise.all(
        perClient.map(async (ops, client) => {
          for (const [index, op] of ops.entries()) {
            op.start = performance.now();
            const copies = index % 5 === 0 ? 2 : 1;
            op.replies = await Promise.all(
              Array.from({ length: copies }, (_, copy) =>
                op.value === null
                  ? internals.mutate(server(client + index + copy), user.token, 'DELETE', `/preferences/${op.key}`, op.id)
                  : internals.mutate(server(client + index + copy), user.token, 'PUT', `/preferences/${op.key}`, op.id, { value: op.value }),
              ),
            );
            op.end = performance.now();
          }
        }),
      );

      const final = ((await send(server(0), 'GET', '/preferences', { token: user.token })).json as Preferences).preferences;
      const all = perClient.flat();
      const problems: string[] = [];
      let lost = 0;
      let doubled = 0;
      for (const op of all) {
        const acknowledged = op.replies.filter((reply) => reply.status === 200 || reply.status === 204 || (op.value === null && reply.status === 404));
        if (acknowledged.length === 0) {
          figures['ops refused']++;
          problems.push(`${op.id} was never acknowledged: ${op.replies.map((reply) => `${reply.status} ${reply.text.slice(0, 100)}`).join('; ')}`);
          continue;
        }
        figures['ops acknowledged']++;
        const fresh = op.replies.filter((reply) => (reply.status === 200 || reply.status === 204) && !internals.isReplay(reply));
        if (fresh.length > 1) {
          doubled += fresh.length - 1;
          problems.push(`${op.id} ran ${fresh.length} times under one Idempotency-Key`);
        }
      }
      for (const key of new Set(all.map((op) => op.key))) {
        const ops = all.filter((op) => op.key === key);
        // A write is a possible last one if no other write to the key began after it had finished.
        const lastCandidates = ops.filter((op) => !ops.some((other) => other !== op && other.start > op.end));
        const actual = Object.hasOwn(final, key) ? final[key] : null;
        if (!lastCandidates.some((op) => op.value === actual)) {
          lost++;
          problems.push(`${key} is ${JSON.stringify(actual)}, but the last writes were ${lastCandidates.map((op) => `${op.id}=${JSON.stringify(op.value)}`).join(', ')}`);
        }
      }
      figures.lost += lost;
      figures.doubled += doubled;
      expect(problems).to.equal([]);
    });

    it('lets exactly one of many concurrent refreshes of one refresh token win, and its re-use revokes the whole family', async () => {
      const problems: string[] = [];
      for (let round = 0; round < 5; round++) {
        figures['refresh races']++;
        const user = await newUser();
        const otherSession = (await send(server(round), 'POST', '/auth/login', { body: { email: user.email, password: internals.password } })).json as TokenPair;
        const replies = await Promise.all(
          Array.from({ length: 24 }, (_, index) => send(server(index), 'POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } })),
        );
        const winners = replies.filter((reply) => reply.status === 200);
        const losers = replies.filter((reply) => reply.status === 401 && ['REFRESH_TOKEN_REUSED', 'REFRESH_TOKEN_INVALID'].includes((reply.json as ErrorBody).code));
        if (winners.length !== 1 || losers.length !== 23) {
          figures['refresh winners beyond one'] += Math.max(0, winners.length - 1);
          problems.push(`round ${round}: ${winners.length} refreshes won, ${losers.length} were refused`);
          continue;
        }
        // The re-use was seen, so the family is revoked: the winner's new refresh token is worthless too.
        const won = winners[0]!.json as TokenPair;
        const afterwards = await send(server(round + 1), 'POST', '/auth/refresh', { body: { refreshToken: won.refreshToken } });
        const family = (await db.rows('refresh_tokens')).filter((row) => row.user_id === user.id);
        const live = family.filter((row) => row.used_at === null && row.revoked_at === null);
        if (afterwards.status !== 401 || live.length !== 1) {
          figures['family breaches']++;
          problems.push(`round ${round}: after re-use the winner's new refresh token answered ${afterwards.status}, and ${live.length - 1} token(s) of the family stayed live`);
        }
        // The other login is another family and is untouched.
        const other = await send(server(round + 2), 'POST', '/auth/refresh', { body: { refreshToken: otherSession.refreshToken } });
        if (other.status !== 200) {
          problems.push(`round ${round}: an unrelated session's refresh answered ${other.status}`);
        }
      }
      expect(problems).to.equal([]);
    });

    it('revokes the winning refresh too when the re-use arrives while the winner is still being issued', async () => {
      // Two concurrent presentations of one token — the owner and a thief — through two instances in this process:
      // the tightest timing, where the loser's family revocation can run between the winner's consume and its insert.
      const a = await buildServer({ store: db.store, config: internals.config });
      const b = await buildServer({ store: await db.openAnother(), config: internals.config });
      let breaches = 0;
      for (let round = 0; round < 40; round++) {
        figures['refresh races']++;
        const email = `pair-${round}-${Math.random().toString(36).slice(2, 8)}@example.test`;
        expect((await a.inject({ method: 'POST', url: '/auth/register', payload: { email, password: internals.password } })).statusCode).to.equal(201);
        const pair = (await b.inject({ method: 'POST', url: '/auth/login', payload: { email, password: internals.password } })).result as TokenPair;
        const both = await Promise.all(
          [a, b].map((instance) => instance.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: pair.refreshToken } })),
        );
        const winners = both.filter((res) => res.statusCode === 200);
        if (winners.length !== 1) {
          figures['refresh winners beyond one'] += Math.max(0, winners.length - 1);
          continue;
        }
        const next = await a.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: (winners[0]!.result as TokenPair).refreshToken } });
        if (next.statusCode !== 401) {
          breaches++;
        }
      }
      figures['family breaches'] += breaches;
      expect(breaches, `${breaches} of 40 races left the winner's new refresh token live after the re-use was detected`).to.equal(0);
    });
  });
}
