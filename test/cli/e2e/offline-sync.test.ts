import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { ChangeOp } from '../../../cli/store/change-op.js';
import type { ProductPage } from '../../../shared/wire.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell } from '../../helpers/cli-binary.js';
import { applyToModel, modelOf, normalizeModel, serverState, type ShopModel } from '../../helpers/cli-model.js';
import { createServerProcess, type ServerProcess } from '../../helpers/server-process.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/** The changes made while the server is down, as `shop` arguments and as the op the model applies. */
const OFFLINE_CHANGES: readonly [string, ChangeOp][] = [
  ['cart add MUG-BLUE 2', { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 2 }],
  ['cart add CAP-NAVY', { kind: 'cart.add', sku: 'CAP-NAVY', quantity: 1 }],
  ['cart add NOPE-404', { kind: 'cart.add', sku: 'NOPE-404', quantity: 1 }],
  ['cart set TOTE-CANVAS 3', { kind: 'cart.set', sku: 'TOTE-CANVAS', quantity: 3 }],
  ['cart add MUG-BLUE', { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 1 }],
  ['cart remove CAP-NAVY', { kind: 'cart.remove', sku: 'CAP-NAVY' }],
  ['prefs set locale en-GB', { kind: 'prefs.set', key: 'locale', value: 'en-GB' }],
  ['prefs set newsletter true', { kind: 'prefs.set', key: 'newsletter', value: true }],
  ['prefs unset theme', { kind: 'prefs.unset', key: 'theme' }],
];

describe('shop with the server down, then back', () => {
  let server: ServerProcess;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  const sh = (commandLine: string) => runShell(commandLine, env);

  before(async () => {
    await ensureBuilt();
    server = await createServerProcess();
    await server.start();
    dir = await makeConfigDir();
    env = { SHOP_SERVER: server.url, SHOP_CONFIG_DIR: dir.path };
    const registered = await sh(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${uniqueEmail('offline')} --password-stdin`);
    expect(registered.code, registered.stderr).to.equal(0);
  });

  after(async () => {
    await server.dispose();
    await dir.remove();
  });

  it('queues every change, shows the stale cart with them applied, applies each exactly once on sync, and keeps what was refused', async () => {
    // Online first: some state, and the saved copies the offline reads will show.
    for (const command of ['cart add MUG-BLUE', 'prefs set theme dark', 'prefs set locale de-DE', 'products', 'cart', 'prefs']) {
      expect((await sh(`shop ${command}`)).code).to.equal(0);
    }
    const before = await serverState(server.url, dir.path);
    const catalog = JSON.parse((await sh('shop products --limit 100 --json')).stdout) as ProductPage;
    const activeSkus = new Set(catalog.items.filter((product) => product.active).map((product) => product.sku));

    await server.stop();
    for (const [index, [command]] of OFFLINE_CHANGES.entries()) {
      const run = await sh(`shop ${command}`);
      expect(run.code, run.stderr).to.equal(0);
      // NOPE-404 is not in the saved catalogue: queued, since the catalogue may have grown, with a warning.
      const warning = command === 'cart add NOPE-404' ? 'warning: NOPE-404 is not in the saved catalogue; the server will check it when the change is sent\n' : '';
      expect(run.stderr).to.equal(`${warning}queued: server unreachable, ${index + 1} pending — run \`shop sync\`\n`);
    }

    const stale = await sh('shop cart --json');
    expect(stale.code).to.equal(0);
    expect(stale.stderr).to.match(/^stale: server unreachable; showing the copy saved just now \([^)]+\), with 6 queued changes applied\n$/);
    const staleCart = JSON.parse(stale.stdout) as { source: string; lines: { sku: string; quantity: number }[] };
    expect(staleCart.source).to.equal('cache');
    expect(staleCart.lines.map((line) => [line.sku, line.quantity])).to.equal([
      ['MUG-BLUE', 4],
      ['NOPE-404', 1],
      ['TOTE-CANVAS', 3],
    ]);

    await server.start();
    const sync = await sh('shop sync');

    const model: ShopModel = structuredClone(before);
    const refused = OFFLINE_CHANGES.filter(([, op]) => applyToModel(model, op, activeSkus) === 'refused').map(([command]) => command);
    expect(refused).to.equal(['cart add NOPE-404']);
    expect(sync.code, sync.stderr).to.equal(1);
    expect(sync.stdout.split('\n').filter(Boolean).map((line) => line.split('\t').slice(0, 2).join(' '))).to.equal(
      OFFLINE_CHANGES.map((_, index) => `${index + 1} ${index === 2 ? 'failed' : 'sent'}`),
    );
    expect(normalizeModel(await serverState(server.url, dir.path))).to.equal(normalizeModel(model));

    const again = await sh('shop sync');
    expect(again).to.equal({ code: 0, stdout: '', stderr: 'Nothing to send.\n' });
    expect(normalizeModel(await serverState(server.url, dir.path))).to.equal(normalizeModel(model));

    const queue = JSON.parse((await sh('shop queue --json')).stdout) as { pending: unknown[]; failed: { command: string; code: string }[] };
    expect(queue.pending).to.equal([]);
    expect(queue.failed.map((entry) => [entry.command, entry.code])).to.equal([['cart add NOPE-404 1', 'SKU_NOT_FOUND']]);

    const fresh = await sh('shop cart --json');
    expect(fresh.stderr).to.equal('');
    expect(JSON.parse(fresh.stdout)).to.include({ source: 'server' });
    expect(modelOf(JSON.parse(fresh.stdout), { preferences: {} }).cart).to.equal(model.cart);
  });
});
