import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { Outbox } from '../../../cli/store/outbox.js';
import { MAX_CART_LINES, MAX_PREFERENCES } from '../../../shared/limits.js';
import { useLinkedCli } from '../../helpers/linked-cli.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('shop offline, deciding with the server’s rules', () => {
  const cli = useLinkedCli(lab, { register: true });
  const { shop } = cli;
  const pending = () => new Outbox(cli.dir.path).read().pending.map((entry) => entry.op);
  const userId = async () => (await cli.api.store.users.findByEmail(cli.email))!.id;
  /** What the server answers to the same change, online: the refusal offline must read the same. */
  const online = async (argv: string[]) => {
    await cli.link.restore();
    const run = await shop(argv);
    await cli.link.cut();
    return run;
  };

  it('refuses a currency that is not an ISO 4217 code at once, as the server words it, and queues nothing', async () => {
    await cli.link.cut();

    const run = await shop(['prefs', 'set', 'currency', 'usd']);

    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal('shop: currency must be an ISO 4217 code such as "EUR" or "USD" (PREFERENCE_INVALID)\n');
    expect(pending()).to.equal([]);
    expect(await online(['prefs', 'set', 'currency', 'usd'])).to.equal(run);
  });

  it('refuses a locale that is not a BCP 47 tag at once', async () => {
    await cli.link.cut();

    const run = await shop(['prefs', 'set', 'locale', 'xx_YY']);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal('shop: locale "xx_YY" is not a valid BCP 47 language tag (PREFERENCE_INVALID)\n');
    expect(pending()).to.equal([]);
    expect(await online(['prefs', 'set', 'locale', 'xx_YY'])).to.equal(run);
  });

  it('refuses an add that takes a saved line past 99 at once', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '12']);
    await cli.link.cut();

    const run = await shop(['cart', 'add', 'MUG-BLUE', '99']);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal('shop: A line holds at most 99; the cart already has 12 of MUG-BLUE (QUANTITY_LIMIT)\n');
    expect(pending()).to.equal([]);
    expect(await online(['cart', 'add', 'MUG-BLUE', '99'])).to.equal(run);
  });

  it('counts what is already queued, not only the saved copy', async () => {
    await shop(['cart']);
    await cli.link.cut();
    expect((await shop(['cart', 'add', 'MUG-BLUE', '50'])).code).to.equal(0);

    const run = await shop(['cart', 'add', 'MUG-BLUE', '50']);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal('shop: A line holds at most 99; the cart already has 50 of MUG-BLUE (QUANTITY_LIMIT)\n');
    expect(pending()).to.equal([{ kind: 'cart.add', sku: 'MUG-BLUE', quantity: 50 }]);
  });

  it('refuses a 101st line at once', async () => {
    const products = Array.from({ length: MAX_CART_LINES + 1 }, (_, i) => ({
      sku: `BULK-${String(i).padStart(3, '0')}`,
      name: `Bulk ${i}`,
      description: '',
      prices: { EUR: 100 },
      active: true,
    }));
    await cli.api.store.products.upsert(products);
    const id = await userId();
    await cli.api.store.transaction(async (tx) => {
      await tx.carts.lock(id);
      for (const product of products.slice(0, MAX_CART_LINES)) {
        await tx.carts.setQuantity(id, product.sku, 1, new Date());
      }
      await tx.carts.bumpVersion(id);
    });
    await shop(['cart']);
    await cli.link.cut();

    const run = await shop(['cart', 'add', products[MAX_CART_LINES]!.sku]);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal('shop: A cart holds at most 100 different products (CART_TOO_LARGE)\n');
    expect(pending()).to.equal([]);
    expect(await online(['cart', 'add', products[MAX_CART_LINES]!.sku])).to.equal(run);
  });

  it('refuses a 101st preference at once, given the saved preferences', async () => {
    const id = await userId();
    for (let i = 0; i < MAX_PREFERENCES; i++) {
      await cli.api.store.preferences.set(id, `k${i}`, i, new Date());
    }
    await shop(['prefs']);
    await cli.link.cut();

    const run = await shop(['prefs', 'set', 'one.more', '1']);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal('shop: A user keeps at most 100 preferences (PREFERENCES_LIMIT)\n');
    expect((await shop(['prefs', 'set', 'k1', '2'])).code).to.equal(0);
  });

  it('queues a SKU the saved catalogue lacks, with a one-line warning', async () => {
    await shop(['products', 'mug']);
    await cli.link.cut();

    const run = await shop(['cart', 'add', 'NEW-THING']);

    expect(run.code).to.equal(0);
    expect(run.stderr).to.equal(
      'warning: NEW-THING is not in the saved catalogue; the server will check it when the change is sent\nqueued: server unreachable, 1 pending — run `shop sync`\n',
    );
    expect(pending()).to.equal([{ kind: 'cart.add', sku: 'NEW-THING', quantity: 1 }]);
  });

  it('queues a SKU the saved catalogue has without a warning', async () => {
    await shop(['products', 'show', 'MUG-BLUE']);
    await cli.link.cut();

    const run = await shop(['cart', 'add', 'MUG-BLUE']);

    expect(run.code).to.equal(0);
    expect(run.stderr).to.equal('queued: server unreachable, 1 pending — run `shop sync`\n');
  });

  it('reports a line of "cart add -" refused offline and queues the others', async () => {
    await shop(['products', 'mug']);
    await shop(['products', 'cap']);
    await cli.link.cut();

    const run = await shop(['cart', 'add', '-'], { stdin: 'MUG-BLUE 60\nMUG-BLUE 60\nCAP-NAVY 1\n' });

    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('line 2: MUG-BLUE: A line holds at most 99; the cart already has 60 of MUG-BLUE (QUANTITY_LIMIT)\n');
    expect(pending()).to.equal([
      { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 60 },
      { kind: 'cart.add', sku: 'CAP-NAVY', quantity: 1 },
    ]);
  });
});
