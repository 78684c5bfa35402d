import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { jwtSubject } from '../../../cli/api/jwt.js';
import type { StoredCredentials } from '../../../cli/store/config-store.js';
import { Outbox } from '../../../cli/store/outbox.js';
import type { ChangeOp, ProductPage } from '../../../shared/wire.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell, spawnShop } from '../../helpers/cli-binary.js';
import { normalizeModel, serverState, type ShopModel } from '../../helpers/cli-model.js';
import { seededRandom } from '../../helpers/cli-random.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { createServerProcess, type ServerProcess } from '../../helpers/server-process.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const SEED = 20_261_205;
/** Per device: several push batches each, so kills land between and inside them. */
const CHANGES = 300;
const MAX_ROUNDS = 12;

/*
 * Two devices of one user, each syncing through its own server instance over one database, in random interleavings,
 * with instances killed (SIGKILL) at random moments: in the end the server holds exactly the model — every change
 * applied once, none lost, none twice. Adds commute, so the model does not depend on the interleaving; an add applied
 * twice would show in a quantity, and a preference per device records that device's last change.
 */
for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`two devices of one user syncing through two instances over ${kind}, instances killed at random`, () => {
    let database: TestDatabase | undefined;
    let sqliteDir: string | undefined;
    const servers: ServerProcess[] = [];
    const dirs: { path: string; remove(): Promise<void> }[] = [];
    const envs: Record<string, string>[] = [];

    before(async () => {
      await ensureBuilt();
      let databaseUrl: string;
      if (kind === 'postgres') {
        database = await createTestDatabase();
        databaseUrl = database.url;
      } else {
        sqliteDir = await mkdtemp(join(tmpdir(), 'shop-two-devices-'));
        databaseUrl = join(sqliteDir, 'shop.db');
      }
      for (let index = 0; index < 2; index++) {
        const server = await createServerProcess({ databaseUrl });
        await server.start();
        servers.push(server);
        const dir = await makeConfigDir();
        dirs.push(dir);
        envs.push({ SHOP_SERVER: server.url, SHOP_CONFIG_DIR: dir.path });
      }
    });

    after(async () => {
      await Promise.all(servers.map((server) => server.dispose()));
      await Promise.all(dirs.map((dir) => dir.remove()));
      await database?.drop();
      if (sqliteDir !== undefined) {
        await rm(sqliteDir, { recursive: true, force: true });
      }
    });

    it('ends with exactly the model: each change applied once', { timeout: 240_000 }, async () => {
      const random = seededRandom(SEED);
      const email = uniqueEmail('devices');
      const registered = await runShell(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin`, envs[0]!);
      expect(registered.code, registered.stderr).to.equal(0);
      const loggedIn = await runShell(`printf '%s\\n' '${TEST_PASSWORD}' | shop login --email ${email} --password-stdin`, envs[1]!);
      expect(loggedIn.code, loggedIn.stderr).to.equal(0);
      const catalog = JSON.parse((await runShell('shop products --limit 100 --json', envs[0]!)).stdout) as ProductPage;
      const skus = catalog.items.filter((product) => product.active).map((product) => product.sku).slice(0, 8);

      const model: ShopModel = { cart: {}, preferences: {} };
      const outboxes: Outbox[] = [];
      for (const [device, dir] of dirs.entries()) {
        const credentials = JSON.parse(await readFile(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, StoredCredentials>;
        const server = servers[device]!.url;
        const account = { server, userId: jwtSubject(credentials[server]!.accessToken)! };
        const outbox = new Outbox(dir.path);
        outboxes.push(outbox);
        await outbox.update((state) => {
          for (let index = 0; index < CHANGES; index++) {
            const op: ChangeOp =
              index % 10 === 9
                ? { kind: 'prefs.set', key: `device${device}.last`, value: index }
                : { kind: 'cart.add', sku: skus[random.between(0, skus.length - 1)]!, quantity: 1 };
            if (op.kind === 'cart.add') {
              model.cart[op.sku] = (model.cart[op.sku] ?? 0) + 1;
            } else if (op.kind === 'prefs.set') {
              model.preferences[op.key] = op.value;
            }
            const id = state.nextId++;
            state.pending.push({ id, seq: id, ...account, key: randomUUID(), op, email, queuedAt: new Date().toISOString() });
          }
          return true;
        });
      }

      let kills = 0;
      for (let round = 0; round < MAX_ROUNDS && outboxes.some((outbox) => outbox.read().pending.length > 0); round++) {
        // Both devices sync at once, one starting a little after the other; one instance is killed at a random moment.
        const order = random.between(0, 1);
        const runs: Promise<unknown>[] = [];
        for (const device of [order, 1 - order]) {
          const child = spawnShop(['sync'], envs[device]!);
          child.stdout.resume();
          child.stderr.resume();
          runs.push(once(child, 'exit'));
          await sleep(random.between(0, 20));
        }
        if (round < MAX_ROUNDS - 2) {
          await sleep(random.between(5, 120));
          const victim = servers[random.between(0, 1)]!;
          await victim.kill();
          kills += 1;
          await Promise.all(runs);
          await victim.start();
        } else {
          await Promise.all(runs);
        }
      }

      expect(kills).to.be.at.least(3);
      for (const outbox of outboxes) {
        expect(outbox.read()).to.include({ pending: [], failed: [] });
      }
      const state = await serverState(servers[0]!.url, dirs[0]!.path);
      expect(normalizeModel(state)).to.equal(normalizeModel(model));
      const exported = JSON.parse((await runShell('shop account export', envs[0]!)).stdout) as { devices: unknown[] };
      expect(exported.devices).to.have.length(2);
    });
  });
}
