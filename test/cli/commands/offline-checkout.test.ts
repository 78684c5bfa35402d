import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { Outbox } from '../../../cli/store/outbox.js';
import type { Cart, OrderPage } from '../../../shared/wire.js';
import { parseJson } from '../../helpers/cli.js';
import { useLinkedCli } from '../../helpers/linked-cli.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('shop checkout offline', () => {
  const cli = useLinkedCli(lab, { register: true });
  const { shop, userId } = cli;
  const setPrice = async (sku: string, price: number): Promise<void> => {
    const product = (await cli.api.store.products.get(sku))!;
    await cli.api.store.products.upsert([{ ...product, prices: { ...product.prices, EUR: price } }]);
  };


  it('queues the order with the lines and total confirmed, and places it at sync when nothing changed', async () => {
    await shop(['cart', 'add', 'STICKERS-10', '2']);
    await cli.link.cut();
    await shop(['cart', 'add', 'STICKERS-10']);

    const run = await shop(['checkout', '--yes', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.contain('Total 18.00 EUR');
    expect(run.stderr).to.contain('queued: server unreachable, 2 pending');
    expect(parseJson(run)).to.equal({ status: 'queued', id: 2, expect: { lines: [{ sku: 'STICKERS-10', quantity: 3, unitPrice: 600 }], subtotal: 1800, currency: 'EUR' } });
    expect(new Outbox(cli.dir.path).read().pending.map((entry) => entry.op.kind)).to.equal(['cart.add', 'order.place']);
    expect(parseJson<Cart>(await shop(['cart', '--json'])).lines).to.equal([]);

    await cli.link.restore();
    const sync = await shop(['sync']);
    expect(sync.code, sync.stderr).to.equal(0);
    const orders = (await cli.api.store.orders.list(await userId(), 10, 0)).items;
    expect(orders.map((order) => [order.subtotal, order.lines.map((line) => `${line.sku}×${line.quantity}`)])).to.equal([[1800, ['STICKERS-10×3']]]);
    // Both went through POST /sync/push, numbered in this machine's device sequence, the order last.
    expect((await cli.api.store.devices.list(await userId())).map((device) => device.lastSeq)).to.equal([2]);
    expect(parseJson<Cart>(await shop(['cart', '--json'])).lines).to.equal([]);
    expect(new Outbox(cli.dir.path).read()).to.include({ pending: [], failed: [] });
  });

  it('is refused with CART_CHANGED at sync when a price changed meanwhile, and goes to the failed list', async () => {
    await shop(['cart', 'add', 'PENCIL-HB-12', '2']);
    await cli.link.cut();
    const run = await shop(['checkout', '--yes']);
    expect(run.code, run.stderr).to.equal(0);
    await setPrice('PENCIL-HB-12', 800);
    try {
      await cli.link.restore();
      const sync = await shop(['sync', '--json']);
      const report = parseJson<{ failed: number; results: { status: string; code?: string }[] }>(sync);
      expect(report.results.map((result) => [result.status, result.code])).to.equal([['failed', 'CART_CHANGED']]);
      const outbox = new Outbox(cli.dir.path).read();
      expect(outbox.failed.map((entry) => [entry.op.kind, entry.code])).to.equal([['order.place', 'CART_CHANGED']]);
      expect(outbox.failed[0]!.reason).to.contain('total 1600 EUR, not 1440 EUR');
      expect((await cli.api.store.orders.list(await userId(), 10, 0)).total).to.equal(0);
      // The refusal used up the order's number: a resend is answered with the refusal, never placed.
      expect((await cli.api.store.devices.list(await userId())).map((device) => device.lastSeq)).to.equal([1]);
      expect(parseJson<Cart>(await shop(['cart', '--json'])).lines.map((line) => line.quantity)).to.equal([2]);
    } finally {
      await setPrice('PENCIL-HB-12', 720);
    }
  });

  it('refuses offline with CART_EMPTY when the cart will be empty', async () => {
    await shop(['cart']);
    await cli.link.cut();
    const run = await shop(['checkout', '--yes']);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('CART_EMPTY');
  });

  it('places the order at once when the server answers, and lists it', async () => {
    await shop(['cart', 'add', 'STICKERS-10']);
    const run = await shop(['checkout', '--yes']);
    expect(run.code, run.stderr).to.equal(0);
    expect(parseJson<OrderPage>(await shop(['orders', '--json'])).total).to.equal(1);
  });
});
