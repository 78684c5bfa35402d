import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { Product, ProductPage } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { hasEscapeCodes, makeConfigDir, parseJson, registerWithCli, runShop, type RunShopOptions } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

describe('shop products', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  const shop = (argv: string[], options: Omit<RunShopOptions, 'configDir' | 'server'> = {}) =>
    runShop(argv, { ...options, server: api.url, configDir: dir.path });

  before(async () => {
    api = await startApiServer();
    dir = await makeConfigDir();
  });

  after(async () => {
    await api.stop();
    await dir.remove();
  });

  it('lists products without logging in, one "SKU PRICE CURRENCY NAME" line each', async () => {
    const run = await shop(['products', '--limit', '3']);

    expect(run.code).to.equal(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).to.have.length(3);
    for (const line of lines) {
      expect(line).to.match(/^[A-Z0-9-]+\t\d+\.\d{2}\tEUR\t.+$/);
    }
    expect(run.stderr).to.equal('');
  });

  it('searches with a query and prints the page as one JSON document', async () => {
    const run = await shop(['products', 'mug', '--json']);

    expect(run.code).to.equal(0);
    const page = parseJson<ProductPage>(run);
    expect(page.items.map((product) => product.sku)).to.include(['MUG-BLUE', 'MUG-WHITE']);
    expect(page.total).to.equal(page.items.length);
  });

  it('pages with --limit and --offset', async () => {
    const first = parseJson<ProductPage>(await shop(['products', '--limit', '2', '--json']));
    const second = parseJson<ProductPage>(await shop(['products', '--limit', '2', '--offset', '2', '--json']));

    expect(second.offset).to.equal(2);
    expect(second.items.map((product) => product.sku)).to.not.include(first.items.map((product) => product.sku));
  });

  it('rejects a --limit over 100 as a usage error', async () => {
    const run = await shop(['products', '--limit', '500']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('--limit must be from 1 to 100');
  });

  it('draws a table with prices and the next page hint on a terminal', async () => {
    const run = await shop(['products', '--limit', '2'], { tty: true, env: { NO_COLOR: '1' } });

    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/^SKU\s+Name\s+Price\n/);
    expect(run.stdout).to.contain('€');
    expect(run.stdout).to.contain('Next page: --offset 2');
    expect(hasEscapeCodes(run.stdout)).to.be.false();
  });

  it('shows one product as FIELD VALUE lines when piped', async () => {
    const run = await shop(['products', 'show', 'MUG-BLUE']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(
      [
        'sku\tMUG-BLUE',
        'name\tEnamel Mug, Blue',
        'price\t14.90',
        'currency\tEUR',
        'active\ttrue',
        'description\tA 350 ml enamel camping mug with a rolled rim. Dishwasher safe.',
        '',
      ].join('\n'),
    );
  });

  it('shows one product as JSON', async () => {
    const run = await shop(['products', 'show', 'mug-blue', '--json']);

    expect(parseJson<Product>(run)).to.include({ sku: 'MUG-BLUE', price: 1490, currency: 'EUR' });
  });

  it('exits 1 with SKU_NOT_FOUND for a product that does not exist', async () => {
    const run = await shop(['products', 'show', 'NOPE-404']);

    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.match(/^shop: .+ \(SKU_NOT_FOUND\)\n$/);
  });

  it('rejects something that cannot be a SKU as a usage error', async () => {
    const run = await shop(['products', 'show', 'not a sku!']);

    expect(run.code).to.equal(2);
  });

  it('says where the list ends when the offset is past it, rather than that nothing matches', async () => {
    const total = parseJson<ProductPage>(await shop(['products', '--json'])).total;

    const run = await shop(['products', '--offset', '1000'], { tty: true, env: { NO_COLOR: '1' } });

    expect(run.code).to.equal(0);
    expect(run.stdout).to.contain(`Nothing past 1000: there are ${total} products`);
    expect(run.stdout).to.not.contain('No products match');
  });

  it('searches for every word typed without quotes, as for the quoted phrase', async () => {
    const unquoted = await shop(['products', 'enamel', 'mug', '--json']);
    const quoted = await shop(['products', 'enamel mug', '--json']);

    expect(unquoted.code).to.equal(0);
    expect(unquoted.stdout).to.equal(quoted.stdout);
    expect(parseJson<ProductPage>(unquoted).items.length).to.be.above(0);
  });

  it('prices products in the currency preference, as the cart is priced', async () => {
    const own = await makeConfigDir();
    const mine = (argv: string[]) => runShop(argv, { server: api.url, configDir: own.path });
    try {
      await registerWithCli(api.url, own.path);
      expect((await mine(['prefs', 'set', 'currency', 'USD'])).code).to.equal(0);

      const page = parseJson<ProductPage>(await mine(['products', 'enamel', 'mug', '--json']));
      expect(page.items.find((product) => product.sku === 'MUG-BLUE')).to.include({ price: 1690, currency: 'USD' });
      expect(parseJson<Product>(await mine(['products', 'show', 'MUG-BLUE', '--json']))).to.include({ price: 1690, currency: 'USD' });
      expect((await mine(['products', 'show', 'MUG-BLUE'])).stdout).to.contain('price\t16.90\ncurrency\tUSD\n');

      expect((await mine(['prefs', 'unset', 'currency'])).code).to.equal(0);
      expect(parseJson<Product>(await mine(['products', 'show', 'MUG-BLUE', '--json']))).to.include({ price: 1490, currency: 'EUR' });
    } finally {
      await own.remove();
    }
  });
});
