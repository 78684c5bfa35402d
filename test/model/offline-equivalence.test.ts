/*
 * The model-based equivalence test of issue 11: random sequences of cart and preference changes, refusals included,
 * run (a) online against a real server as one user, and (b) with the server unreachable, queued by `shop` as another
 * user who starts from the same state, then synced. Offline and online must agree change by change, and the offline
 * view before the sync must be what the server holds after it.
 *
 * `npm test` runs SHOP_MODEL_RUNS sequences per database (default 100, so a few hundred across both); set it higher
 * for a longer hunt, e.g. `SHOP_MODEL_RUNS=2000 npm test -- test/model/offline-equivalence.test.ts`.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { Server } from '@hapi/hapi';
import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import { describeOp } from '../../cli/offline/ops.js';
import type { ChangeOp } from '../../cli/store/change-op.js';
import type { Store } from '../../server/db/store.js';
import { createServer, stopServer } from '../../server/server.js';
import { MAX_CART_LINES, MAX_PREFERENCES } from '../../shared/limits.js';
import type { Cart, PreferenceValue, Preferences } from '../../shared/wire.js';
import { type Backend, backends, type OpenBackend } from '../helpers/backends.js';
import { makeConfigDir, registerWithCli, runShop, type ShopRun } from '../helpers/cli.js';
import { type NetworkLink, openNetworkLink } from '../helpers/cli-network.js';
import { testConfig } from '../helpers/config.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  runs: Number(process.env.SHOP_MODEL_RUNS ?? 100),
  /** In the saved catalogue (`shop products mug` saves them) and on sale. */
  knownSkus: ['MUG-BLUE', 'MUG-WHITE'],
  /** On sale, but not in the saved catalogue: queued offline with a warning, and decided by the server. */
  unknownSkus: ['CAP-NAVY', 'TOTE-CANVAS'],
  /** Lines put in both carts before a sequence that starts near the limit, so the 100th and 101st lines come up. */
  fillSkus: Array.from({ length: MAX_CART_LINES - 2 }, (_, i) => `FILL-${String(i).padStart(3, '0')}`),

  op(): fc.Arbitrary<ChangeOp> {
    const sku = fc.constantFrom(...internals.knownSkus, ...internals.unknownSkus);
    const quantity = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(30, 50, 60, 99));
    const preference: fc.Arbitrary<[string, PreferenceValue]> = fc.oneof(
      fc.tuple(fc.constant('currency'), fc.constantFrom('EUR', 'USD', 'usd', 'XYZ')),
      fc.tuple(fc.constant('locale'), fc.constantFrom('en-GB', 'de-DE', 'xx_YY')),
      fc.tuple(fc.constantFrom('theme', 'ui.density'), fc.constantFrom('dark', 'light')),
    );
    return fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('cart.add' as const), sku, quantity }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('cart.set' as const), sku, quantity: fc.oneof(fc.constant(0), quantity) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('cart.remove' as const), sku }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'cart.clear' as const }) },
      { weight: 3, arbitrary: preference.map(([key, value]): ChangeOp => ({ kind: 'prefs.set', key, value })) },
      { weight: 1, arbitrary: fc.constantFrom('currency', 'locale', 'theme').map((key): ChangeOp => ({ kind: 'prefs.unset', key })) },
    );
  },

  /** The command line of a change; `cart clear` asks first unless told `--yes`. */
  argv(op: ChangeOp): string[] {
    return [...describeOp(op).split(' '), ...(op.kind === 'cart.clear' ? ['--yes'] : [])];
  },

  /** What one `shop` run of a change came to: applied or queued (exit 0), or refused with the server's code (exit 1). */
  outcome(run: ShopRun): string {
    if (run.code === 0) {
      return 'ok';
    }
    const code = /\(([A-Z_]+)\)\n$/.exec(run.stderr)?.[1];
    if (run.code !== 1 || code === undefined) {
      throw new Error(`unexpected answer: exit ${run.code}, ${run.stderr}`);
    }
    return code;
  },

  /** A cart and preferences as `SKU → quantity` and `key → value`, sorted. */
  state(cart: { lines: readonly { sku: string; quantity: number }[] }, preferences: Preferences): { cart: [string, number][]; preferences: [string, PreferenceValue][] } {
    return {
      cart: cart.lines.map((line): [string, number] => [line.sku, line.quantity]).sort(([a], [b]) => (a < b ? -1 : 1)),
      preferences: Object.entries(preferences.preferences).sort(([a], [b]) => (a < b ? -1 : 1)),
    };
  },
};

for (const backend of backends) {
  describe(`offline and online decide alike (${backend.name})`, () => {
    let db: OpenBackend;
    let server: Server;
    let link: NetworkLink;
    const dirs: { path: string; remove(): Promise<void> }[] = [];
    const users: { dir: string; id: string }[] = [];

    before(async () => {
      db = await (backend as Backend).open();
      await db.store.products.upsert(
        internals.fillSkus.map((sku) => ({ sku, name: sku, description: '', prices: { EUR: 100 }, active: true })),
      );
      server = await createServer({ config: testConfig(), store: db.store });
      await server.start();
      link = await openNetworkLink(server.info.uri);
      for (let i = 0; i < 2; i++) {
        const dir = await makeConfigDir();
        dirs.push(dir);
        const email = await registerWithCli(link.url, dir.path);
        users.push({ dir: dir.path, id: (await db.store.users.findByEmail(email))!.id });
      }
    });

    after(async () => {
      await link.close();
      await stopServer(server, 1000);
      await Promise.all(dirs.map((dir) => dir.remove()));
      await db.dispose();
    });

    /** Both users back to the same starting state, in the database; the offline user's queue and saved copies gone. */
    const reset = async (store: Store, fillLines: boolean, fillPreferences: boolean) => {
      for (const { id } of users) {
        await store.transaction(async (tx) => {
          await tx.carts.lock(id);
          await tx.carts.clear(id);
          for (const sku of fillLines ? internals.fillSkus : []) {
            await tx.carts.setQuantity(id, sku, 1, new Date());
          }
          await tx.carts.bumpVersion(id);
          for (const key of Object.keys(await tx.preferences.list(id))) {
            await tx.preferences.delete(id, key);
          }
          for (let i = 0; fillPreferences && i < MAX_PREFERENCES - 1; i++) {
            await tx.preferences.set(id, `fill.${i}`, i, new Date());
          }
        });
      }
      const offline = users[1]!.dir;
      await Promise.all(['outbox.json', 'outbox.sent', 'cache.json'].map((name) => rm(join(offline, name), { force: true })));
    };

    it('agrees change by change, and the offline view is what the server holds after the sync', { timeout: Math.max(60_000, internals.runs * 2_000) }, async () => {
      /** What the runs covered, printed so a CI log shows the refusals were really exercised. */
      const figures = { sequences: 0, changes: 0, refusedOffline: new Map<string, number>(), queued: 0, refusedAtSync: 0 };
      const [online, offline] = users as [{ dir: string; id: string }, { dir: string; id: string }];
      const shop = (dir: string, argv: string[]) => runShop(argv, { server: link.url, configDir: dir });
      const scenario = fc.record({
        fillLines: fc.integer({ min: 0, max: 3 }).map((n) => n === 3),
        fillPreferences: fc.integer({ min: 0, max: 3 }).map((n) => n === 3),
        ops: fc.array(internals.op(), { minLength: 1, maxLength: 8 }),
      });

      await fc.assert(
        fc.asyncProperty(scenario, async ({ fillLines, fillPreferences, ops }) => {
          figures.sequences += 1;
          figures.changes += ops.length;
          await link.restore();
          await reset(db.store, fillLines, fillPreferences);
          for (const argv of [['cart'], ['prefs'], ['products', 'mug']]) {
            expect((await shop(offline.dir, argv)).code).to.equal(0);
          }

          const onlineOutcomes: string[] = [];
          for (const op of ops) {
            onlineOutcomes.push(internals.outcome(await shop(online.dir, [...internals.argv(op), '--online'])));
          }

          await link.cut();
          const offlineOutcomes: string[] = [];
          for (const op of ops) {
            offlineOutcomes.push(internals.outcome(await shop(offline.dir, internals.argv(op))));
          }
          const view = internals.state(
            JSON.parse((await shop(offline.dir, ['cart', '--json'])).stdout) as Cart,
            JSON.parse((await shop(offline.dir, ['prefs', '--json'])).stdout) as Preferences,
          );
          await link.restore();
          const sync = await shop(offline.dir, ['sync', '--json']);
          const report = JSON.parse(sync.stdout) as { pending: number; results: { status: 'sent' | 'failed'; code?: string }[] };
          expect(report.pending).to.equal(0);

          // Every change refused offline is refused online with the same code; every queued one fares in the sync as
          // it did online.
          const synced = [...report.results];
          for (const [index, offlineOutcome] of offlineOutcomes.entries()) {
            if (offlineOutcome !== 'ok') {
              figures.refusedOffline.set(offlineOutcome, (figures.refusedOffline.get(offlineOutcome) ?? 0) + 1);
              expect(offlineOutcome, `op ${index} ${describeOp(ops[index]!)}`).to.equal(onlineOutcomes[index] ?? 'missing');
            } else {
              const result = synced.shift();
              figures.queued += 1;
              figures.refusedAtSync += result?.status === 'failed' ? 1 : 0;
              expect(result?.status === 'sent' ? 'ok' : (result?.code ?? 'no result'), `op ${index} ${describeOp(ops[index]!)}`).to.equal(onlineOutcomes[index] ?? 'missing');
            }
          }
          expect(synced).to.equal([]);

          const serverState = async (id: string) =>
            internals.state(await db.store.carts.get(id), { preferences: (await db.store.preferences.list(id)) as Preferences['preferences'] });
          const after = await serverState(offline.id);
          expect(view).to.equal(after);
          expect(after).to.equal(await serverState(online.id));
        }),
        { numRuns: internals.runs },
      );
      const refused = [...figures.refusedOffline].map(([code, n]) => `${n} ${code}`).join(', ');
      process.stderr.write(
        `[model] ${backend.name}: ${figures.sequences} sequences, ${figures.changes} changes; refused at once offline: ${refused || 'none'}; ` +
          `queued ${figures.queued}, of which the sync refused ${figures.refusedAtSync}, each as online\n`,
      );
    });
  });
}
