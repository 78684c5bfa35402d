import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { Cart } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { hasEscapeCodes, makeConfigDir, parseJson, registerWithCli, runShop } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

interface CartBatchJson {
  added: number;
  failed: number;
  results: { line: number; ok: boolean; sku?: string; quantity?: number; code?: string }[];
  cart: Cart;
}

describe('shop cart', () => {
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

  it('adds a product and prints the cart as tab-separated lines when piped', async () => {
    const run = await shop(['cart', 'add', 'MUG-BLUE', '2']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('MUG-BLUE\t2\t14.90\t29.80\tEUR\tEnamel Mug, Blue\n');
    expect(run.stderr).to.equal('Added 2 × MUG-BLUE.\n');
  });

  it('formats money in the environment locale at a terminal, and stays locale-free when piped or with --json', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '2']);
    const env = { LANG: 'de_DE.UTF-8' };

    const atTerminal = await shop(['cart'], { env, tty: { stdout: true } });
    expect(atTerminal.stdout).to.contain('14,90\u00a0€');
    expect(atTerminal.stdout).to.contain('29,80\u00a0€');

    expect((await shop(['cart'], { env })).stdout).to.equal('MUG-BLUE\t2\t14.90\t29.80\tEUR\tEnamel Mug, Blue\n');
    expect(parseJson<Cart>(await shop(['cart', '--json'], { env }))).to.include({ subtotal: 2980, currency: 'EUR' });
  });

  it('prices the cart in the currency preference and formats it with the locale preference at a terminal', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '2']);
    await shop(['prefs', 'set', 'currency', 'USD']);
    await shop(['prefs', 'set', 'locale', 'de-DE']);
    await shop(['prefs']);

    const atTerminal = await shop(['cart'], { env: { LANG: 'en_GB.UTF-8' }, tty: { stdout: true } });
    expect(atTerminal.stdout).to.contain('33,80\u00a0$');
    expect((await shop(['cart'])).stdout).to.equal('MUG-BLUE\t2\t16.90\t33.80\tUSD\tEnamel Mug, Blue\n');
  });

  it('adds one when no quantity is given, and accepts a lower-case SKU', async () => {
    const run = await shop(['cart', 'add', 'mug-blue', '--json']);

    expect(run.code).to.equal(0);
    expect(parseJson<Cart>(run).lines).to.equal([
      { sku: 'MUG-BLUE', name: 'Enamel Mug, Blue', quantity: 1, unitPrice: 1490, lineTotal: 1490, prices: { EUR: 1490, USD: 1690, GBP: 1295 } },
    ]);
  });

  it('lists the cart with bare "shop cart" exactly as "shop cart list"', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '3']);

    const bare = await shop(['cart', '--json']);
    const list = await shop(['cart', 'list', '--json']);

    expect(bare.code).to.equal(0);
    expect(bare.stdout).to.equal(list.stdout);
    expect(parseJson<Cart>(bare)).to.include({ subtotal: 4470, itemCount: 3, currency: 'EUR' });
  });

  it('prints nothing on stdout for an empty cart when piped', async () => {
    const run = await shop(['cart']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('');
  });

  it('draws the cart as a table with line totals and subtotal on a terminal', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '2']);
    await shop(['cart', 'add', 'TEE-BLACK-M']);

    const run = await shop(['cart'], { tty: true, env: { NO_COLOR: '1' } });

    expect(run.code).to.equal(0);
    const lines = run.stdout.split('\n').map((line) => line.trimEnd());
    expect(lines[0]).to.match(/^SKU\s+Name\s+Qty\s+Unit price\s+Line total$/);
    expect(lines[1]).to.match(/^MUG-BLUE\s+Enamel Mug, Blue\s+2\s+€14\.90\s+€29\.80$/);
    expect(lines[2]).to.match(/^TEE-BLACK-M\s+Organic Cotton T-Shirt, Black, M\s+1\s+€29\.00\s+€29\.00$/);
    expect(run.stdout).to.match(/Subtotal\s+3 items\s+€58\.80/);
    expect(hasEscapeCodes(run.stdout)).to.be.false();
  });

  it('sets a quantity, and removes the line when it is set to 0', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '2']);

    const set = await shop(['cart', 'set', 'MUG-BLUE', '5', '--json']);
    expect(set.code).to.equal(0);
    expect(parseJson<Cart>(set).lines[0]?.quantity).to.equal(5);

    const zero = await shop(['cart', 'set', 'MUG-BLUE', '0', '--json']);
    expect(zero.code).to.equal(0);
    expect(parseJson<Cart>(zero).lines).to.equal([]);
  });

  it('removes a product', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);
    await shop(['cart', 'add', 'CAP-NAVY']);

    const run = await shop(['cart', 'remove', 'MUG-BLUE']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('CAP-NAVY\t1\t24.00\t24.00\tEUR\tSix-Panel Cap, Navy\n');
  });

  it('refuses to clear without --yes when not on a terminal, and leaves the cart alone', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);

    const run = await shop(['cart', 'clear']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('--yes');
    expect(parseJson<Cart>(await shop(['cart', '--json'])).lines).to.have.length(1);
  });

  it('clears with --yes', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);

    const run = await shop(['cart', 'clear', '--yes', '--json']);

    expect(run.code).to.equal(0);
    expect(parseJson<Cart>(run).lines).to.equal([]);
  });

  it('asks before clearing on a terminal, and clears on "y" and Enter', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);

    const run = await shop(['cart', 'clear'], {
      tty: true,
      env: { NO_COLOR: '1' },
      answers: [{ prompt: 'Remove everything from your cart?', keys: 'y\r' }],
    });

    expect(run.code).to.equal(0);
    expect(run.stderr).to.contain('Cleared the cart.');
    expect(parseJson<Cart>(await shop(['cart', '--json'])).lines).to.equal([]);
  });

  it('keeps the cart when the question is answered "no"', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);

    const run = await shop(['cart', 'clear'], {
      tty: true,
      answers: [{ prompt: 'Remove everything from your cart?', keys: 'No\r' }],
    });

    expect(run.code).to.equal(0);
    expect(run.stderr).to.contain('Left the cart as it was.');
    expect(parseJson<Cart>(await shop(['cart', '--json'])).lines).to.have.length(1);
  });

  it('shows the server code and message for an unknown SKU and exits 1', async () => {
    const run = await shop(['cart', 'add', 'NO-SUCH-THING']);

    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('(SKU_NOT_FOUND)');
    expect(run.stderr).to.not.contain('    at ');
  });

  it('rejects a quantity outside 1-99 as a usage error before sending anything', async () => {
    const run = await shop(['cart', 'add', 'MUG-BLUE', '100']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('the quantity must be from 1 to 99');
  });

  it('passes the server refusal through when a line would exceed 99', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '60']);

    const run = await shop(['cart', 'add', 'MUG-BLUE', '60']);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('(QUANTITY_LIMIT)');
  });

  it('rejects an unknown verb as a usage error naming it', async () => {
    const run = await shop(['cart', 'empty']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal('shop: unknown command "empty" for shop cart (see `shop cart --help`)\n');
  });

  it('adds "SKU [QTY]" lines from stdin with -, one request each, and sums up on stderr', async () => {
    const run = await shop(['cart', 'add', '-'], { stdin: 'MUG-BLUE 2\n# a comment\n\nCAP-NAVY\n' });

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(
      'MUG-BLUE\t2\t14.90\t29.80\tEUR\tEnamel Mug, Blue\nCAP-NAVY\t1\t24.00\t24.00\tEUR\tSix-Panel Cap, Navy\n',
    );
    expect(run.stderr).to.equal('Added 2 of 2 line(s).\n');
  });

  it('reports each bad line of stdin, adds the rest, and exits 1', async () => {
    const run = await shop(['cart', 'add', '-', '--json'], { stdin: 'MUG-BLUE 2\nNOPE-NOPE\nCAP-NAVY 0\nTOTE-CANVAS 1 extra\nCAP-NAVY 1\n' });

    expect(run.code).to.equal(1);
    const batch = parseJson<CartBatchJson>(run);
    expect(batch.added).to.equal(2);
    expect(batch.failed).to.equal(3);
    expect(batch.results.map((result) => [result.line, result.ok, result.code])).to.equal([
      [1, true, undefined],
      [2, false, 'SKU_NOT_FOUND'],
      [3, false, 'INVALID_LINE'],
      [4, false, 'INVALID_LINE'],
      [5, true, undefined],
    ]);
    expect(batch.cart.itemCount).to.equal(3);
    expect(run.stderr).to.contain('line 2: NOPE-NOPE:');
    expect(run.stderr).to.contain('Added 2 of 5 line(s); 3 failed.');
  });

  it('refuses a quantity argument together with -', async () => {
    const run = await shop(['cart', 'add', '-', '2'], { stdin: 'MUG-BLUE\n' });

    expect(run.code).to.equal(2);
  });

  it('says "Removed" only for a line that was in the cart', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);

    const removed = await shop(['cart', 'remove', 'MUG-BLUE']);
    const absent = await shop(['cart', 'remove', 'TEE-BLACK-M']);

    expect(removed.stderr).to.equal('Removed MUG-BLUE.\n');
    expect(absent.code).to.equal(0);
    expect(absent.stderr).to.equal('TEE-BLACK-M was not in your cart; nothing changed.\n');
  });
});
