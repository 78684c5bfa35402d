import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import { createElement as h } from 'react';

import type { Cart, Product } from '../../../shared/wire.js';

export const lab = Lab.script();
const { describe, it, before } = lab;

// Ink is ESM with top-level await, which lab's require() cannot load: import it, and what uses it, dynamically.
let render: typeof import('ink-testing-library').render;
let CartView: typeof import('../../../cli/ui/cart-view.js').CartView;
let KeyValueView: typeof import('../../../cli/ui/key-value-view.js').KeyValueView;
let ProductsView: typeof import('../../../cli/ui/products-view.js').ProductsView;
let ProductView: typeof import('../../../cli/ui/products-view.js').ProductView;
let ProgressBar: typeof import('../../../cli/ui/progress-bar.js').ProgressBar;
let QueueView: typeof import('../../../cli/ui/queue-view.js').QueueView;

before(async () => {
  ({ render } = await import('ink-testing-library'));
  ({ CartView } = await import('../../../cli/ui/cart-view.js'));
  ({ KeyValueView } = await import('../../../cli/ui/key-value-view.js'));
  ({ ProductsView, ProductView } = await import('../../../cli/ui/products-view.js'));
  ({ ProgressBar } = await import('../../../cli/ui/progress-bar.js'));
  ({ QueueView } = await import('../../../cli/ui/queue-view.js'));
});

const plain = { color: false };

const cart: Cart = {
  lines: [
    { sku: 'MUG-BLUE', name: 'Enamel Mug, Blue', quantity: 2, unitPrice: 1490, lineTotal: 2980, prices: { EUR: 1490 } },
    { sku: 'CAP-NAVY', name: 'Six-Panel Cap, Navy', quantity: 1, unitPrice: 2400, lineTotal: 2400, prices: { EUR: 2400 } },
  ],
  subtotal: 5380,
  currency: 'EUR',
  currencyChoice: { reason: 'default', preferred: null, unpriced: [] },
  itemCount: 3,
  version: 4,
};

const mug: Product = {
  sku: 'MUG-BLUE',
  name: 'Enamel Mug, Blue',
  description: 'A 350 ml enamel camping mug.',
  price: 1490,
  currency: 'EUR',
  prices: { EUR: 1490 },
  active: true,
  stock: null,
};

describe('the cart view', () => {
  it('shows a row per line with quantity, unit price and line total, then the subtotal', () => {
    const { lastFrame } = render(h(CartView, { cart, theme: plain }));
    const lines = lastFrame()!.split('\n').map((line) => line.trimEnd());

    expect(lines[0]).to.match(/^SKU\s+Name\s+Qty\s+Unit price\s+Line total$/);
    expect(lines[1]).to.match(/^MUG-BLUE\s+Enamel Mug, Blue\s+2\s+€14\.90\s+€29\.80$/);
    expect(lines[2]).to.match(/^CAP-NAVY\s+Six-Panel Cap, Navy\s+1\s+€24\.00\s+€24\.00$/);
    expect(lines[4]).to.match(/^Subtotal\s+3 items\s+€53\.80$/);
  });

  it('right-aligns the amounts in one column', () => {
    const { lastFrame } = render(h(CartView, { cart, theme: plain }));
    const lines = lastFrame()!.split('\n').map((line) => line.trimEnd());

    const ends = [lines[0], lines[1], lines[2], lines[4]].map((line) => line!.length);
    expect(new Set(ends).size).to.equal(1);
  });

  it('says the cart is empty and how to fill it', () => {
    const { lastFrame } = render(h(CartView, { cart: { ...cart, lines: [], subtotal: 0, itemCount: 0 }, theme: plain }));

    expect(lastFrame()).to.equal('Your cart is empty.\nAdd something with: shop cart add SKU [QTY]');
  });

  it('shows a product added offline that was never seen with a ? for name and price, and the subtotal as a lower bound', () => {
    const offline = {
      ...cart,
      lines: [...cart.lines, { sku: 'NEW-THING', name: null, quantity: 1, unitPrice: null, lineTotal: null, prices: null }],
      itemCount: 4,
    };
    const { lastFrame } = render(h(CartView, { cart: offline, theme: plain }));
    const lines = lastFrame()!.split('\n').map((line) => line.trimEnd());

    expect(lines[3]).to.match(/^NEW-THING\s+\?\s+1\s+\?\s+\?$/);
    expect(lines[5]).to.match(/^Subtotal\s+4 items\s+≥ €53\.80$/);
  });

  it('strips escape sequences a product name might carry', () => {
    const hostile = { ...cart, lines: [{ ...cart.lines[0]!, name: 'Mug\u001b[2J\u001b[31m' }] };
    const { lastFrame } = render(h(CartView, { cart: hostile, theme: plain }));

    expect(lastFrame()).to.not.contain('\u001b');
  });
});

describe('the product views', () => {
  it('lists products with prices and tells how to get the next page', () => {
    const { lastFrame } = render(
      h(ProductsView, { page: { items: [mug], total: 35, limit: 1, offset: 0 }, theme: plain }),
    );

    expect(lastFrame()).to.match(/SKU\s+Name\s+Price\nMUG-BLUE\s+Enamel Mug, Blue\s+€14\.90/);
    expect(lastFrame()).to.contain('Showing 1–1 of 35. Next page: --offset 1');
  });

  it('says when nothing matches', () => {
    const { lastFrame } = render(h(ProductsView, { page: { items: [], total: 0, limit: 20, offset: 0 }, theme: plain }));

    expect(lastFrame()).to.equal('No products match.');
  });

  it('shows one product with its price and description, and flags one that is no longer sold', () => {
    const { lastFrame } = render(h(ProductView, { product: { ...mug, active: false }, theme: plain }));

    expect(lastFrame()).to.equal('Enamel Mug, Blue  MUG-BLUE\n€14.90\nNo longer sold\n\nA 350 ml enamel camping mug.');
  });
});

describe('the key-value view', () => {
  it('aligns values after the longest key', () => {
    const { lastFrame } = render(
      h(KeyValueView, {
        entries: [
          { key: 'locale', value: '"en-GB"' },
          { key: 'newsletter', value: 'true' },
        ],
        theme: plain,
      }),
    );

    expect(lastFrame()).to.equal('locale      "en-GB"\nnewsletter  true');
  });
});

describe('the sync progress bar', () => {
  it('fills in proportion to the changes sent, and names the last one', () => {
    const { lastFrame } = render(h(ProgressBar, { title: 'Sending queued changes', done: 3, total: 12, label: 'cart add MUG-BLUE 2', theme: plain }));

    expect(lastFrame()).to.equal(`${'█'.repeat(6)}${'░'.repeat(18)}  3/12  Sending queued changes — cart add MUG-BLUE 2`);
  });
});

describe('the queue view', () => {
  const entry = { id: 3, key: 'k', server: 'http://shop.test', userId: 'u', email: 'ada@example.test', queuedAt: '2030-01-01T00:00:00.000Z' };

  it('lists pending changes, then refused ones with the reason, and says what to do about them', () => {
    const { lastFrame } = render(
      h(QueueView, {
        listing: {
          server: 'http://shop.test',
          pending: [{ ...entry, op: { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 2 } }],
          failed: [{ ...entry, id: 1, op: { kind: 'cart.add', sku: 'NOPE', quantity: 1 }, failedAt: 'x', status: 404, code: 'SKU_NOT_FOUND', reason: 'No product with SKU NOPE' }],
          elsewhere: 0,
        },
        theme: plain,
      }),
    );
    const lines = lastFrame()!.split('\n').map((line) => line.trimEnd());

    // Local time for people, not ISO 8601.
    expect(lines[1]).to.match(/^#3\s+pending\s+\S.*\d{1,2}:\d{2}.*\s+cart add MUG-BLUE 2$/);
    expect(lines[1]).to.not.contain('T00:00:00');
    expect(lines[2]).to.match(/^#1\s+failed\s+\S.*\s+cart add NOPE 1\s+No product with SKU NOPE/);
    expect(lastFrame()).to.contain('shop queue retry [ID]');
  });

  it('says when nothing is queued', () => {
    const { lastFrame } = render(h(QueueView, { listing: { server: 'http://shop.test', pending: [], failed: [], elsewhere: 0 }, theme: plain }));

    expect(lastFrame()).to.equal('Nothing queued for http://shop.test.');
  });
});
