import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { Cart, Order, OrderPage } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, parseJson, registerWithCli, runShop } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

describe('shop checkout and shop orders', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  const shop = (argv: string[], options: Omit<Parameters<typeof runShop>[1], 'configDir' | 'server'> = {}) =>
    runShop(argv, { ...options, server: api.url, configDir: dir.path });

  before(async () => {
    api = await startApiServer();
  });

  after(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
    await registerWithCli(api.url, dir.path);
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('places the order with --yes, shows the cart and total on stderr and the order lines on stdout', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '2']);
    const run = await shop(['checkout', '--yes']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal('MUG-BLUE\t2\t14.90\t29.80\tEUR\tEnamel Mug, Blue\n');
    expect(run.stderr).to.contain('2 × MUG-BLUE  Enamel Mug, Blue  29.80 EUR');
    expect(run.stderr).to.contain('Total 29.80 EUR');
    expect(run.stderr).to.match(/Placed order [0-9a-f-]{36} for 29\.80 EUR\./);
    expect(parseJson<Cart>(await shop(['cart', '--json'])).lines).to.equal([]);
  });

  it('prints the order as JSON with --json', async () => {
    await shop(['cart', 'add', 'TEE-BLACK-M']);
    const run = await shop(['checkout', '--yes', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    expect(parseJson<Order>(run)).to.include({ state: 'placed', subtotal: 2900, currency: 'EUR', itemCount: 1 });
  });

  it('needs --yes when not on a terminal, and orders nothing without it', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);
    const run = await shop(['checkout']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('--yes');
    expect(parseJson<Cart>(await shop(['cart', '--json'])).itemCount).to.equal(1);
  });

  it('asks on a terminal and orders nothing when the answer is no', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);
    const run = await shop(['checkout'], { tty: true, env: { NO_COLOR: '1' }, answers: [{ prompt: 'Place this order for 14.90 EUR?', keys: 'n\r' }] });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.contain('No order placed.');
    expect(parseJson<OrderPage>(await shop(['orders', '--json'])).total).to.equal(0);
  });

  it('asks on a terminal and places the order when the answer is yes', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);
    const run = await shop(['checkout'], { tty: true, env: { NO_COLOR: '1' }, answers: [{ prompt: 'Place this order for 14.90 EUR?', keys: 'y\r' }] });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('Total 14.90 EUR');
    expect(parseJson<OrderPage>(await shop(['orders', '--json'])).total).to.equal(1);
  });

  it('fails with exit 1 and CART_EMPTY for an empty cart', async () => {
    const run = await shop(['checkout', '--yes']);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('CART_EMPTY');
  });

  it('fails with exit 1 and OUT_OF_STOCK, saying what is left, when the cart holds more than is in stock', async () => {
    const add = await shop(['cart', 'add', 'LAMP-DESK-OAK', '4']);
    expect(add.code).to.equal(0);
    expect(add.stderr).to.contain('warning: Only 3 of LAMP-DESK-OAK in stock; the cart holds 4.');
    const run = await shop(['checkout', '--yes']);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('LAMP-DESK-OAK (4 wanted, 3 left) (OUT_OF_STOCK)');
  });

  it('lists orders newest first as tab-separated lines and shows one by id', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);
    const first = parseJson<Order>(await shop(['checkout', '--yes', '--json']));
    await shop(['cart', 'add', 'CAP-NAVY', '2']);
    const second = parseJson<Order>(await shop(['checkout', '--yes', '--json']));

    const list = await shop(['orders']);
    expect(list.code).to.equal(0);
    expect(list.stdout.trim().split('\n').map((line) => line.split('\t')[0])).to.equal([second.id, first.id]);
    expect(list.stdout.split('\n')[0]).to.equal(`${second.id}\t${second.placedAt}\tplaced\t2\t48.00\tEUR`);

    const show = await shop(['orders', 'show', first.id, '--json']);
    expect(parseJson<Order>(show)).to.equal(first);
  });

  it('refuses an order id that is not a UUID as a usage error', async () => {
    const run = await shop(['orders', 'show', 'nope']);
    expect(run.code).to.equal(2);
  });
});
