import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type KnownProduct, projectCart, projectPreference, projectPreferences } from '../../../cli/offline/projection.js';
import type { Cart } from '../../../shared/wire.js';

export const lab = Lab.script();
const { describe, it } = lab;

const saved: Cart = {
  lines: [{ sku: 'MUG-BLUE', name: 'Enamel Mug, Blue', quantity: 2, unitPrice: 1490, lineTotal: 2980, prices: { EUR: 1490, USD: 1690 } }],
  subtotal: 2980,
  currency: 'EUR',
  currencyChoice: { reason: 'default', preferred: null, unpriced: [] },
  itemCount: 2,
  version: 7,
};
const catalog: Record<string, KnownProduct> = { 'CAP-NAVY': { name: 'Six-Panel Cap, Navy', prices: { EUR: 2400, GBP: 2095 } } };
const known = (sku: string) => catalog[sku];

describe('the projected cart', () => {
  it('adds on top of a line, and prices a new line from the catalogue', () => {
    const cart = projectCart(saved, [
      { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 1 },
      { kind: 'cart.add', sku: 'CAP-NAVY', quantity: 2 },
    ], known);

    expect(cart.lines.map((line) => [line.sku, line.quantity, line.lineTotal])).to.equal([
      ['MUG-BLUE', 3, 4470],
      ['CAP-NAVY', 2, 4800],
    ]);
    expect(cart).to.include({ subtotal: 9270, itemCount: 5, version: 7 });
  });

  it('shows a product it has never seen with no name or price, and leaves it out of the subtotal', () => {
    const cart = projectCart(saved, [{ kind: 'cart.add', sku: 'NEW-THING', quantity: 1 }], known);

    expect(cart.lines[1]).to.equal({ sku: 'NEW-THING', name: null, quantity: 1, unitPrice: null, lineTotal: null, prices: null });
    expect(cart.subtotal).to.equal(2980);
  });

  it('sets, removes with 0 or remove, and clears, as the server would', () => {
    const cart = projectCart(saved, [
      { kind: 'cart.set', sku: 'MUG-BLUE', quantity: 5 },
      { kind: 'cart.set', sku: 'CAP-NAVY', quantity: 1 },
      { kind: 'cart.set', sku: 'MUG-BLUE', quantity: 0 },
    ], known);
    expect(cart.lines.map((line) => [line.sku, line.quantity])).to.equal([['CAP-NAVY', 1]]);

    expect(projectCart(saved, [{ kind: 'cart.remove', sku: 'MUG-BLUE' }], known).lines).to.equal([]);
    expect(projectCart(saved, [{ kind: 'cart.clear' }, { kind: 'cart.add', sku: 'CAP-NAVY', quantity: 1 }], known).itemCount).to.equal(1);
  });

  it('leaves out an add the server will refuse for taking a line past 99', () => {
    const cart = projectCart(saved, [{ kind: 'cart.add', sku: 'MUG-BLUE', quantity: 98 }], known);

    expect(cart.lines[0]?.quantity).to.equal(2);
  });

  it('starts from an empty cart in the preferred currency when what goes in has a price in it', () => {
    const cart = projectCart(undefined, [{ kind: 'cart.add', sku: 'CAP-NAVY', quantity: 1 }], () => ({ name: 'Cap', prices: { EUR: 90, USD: 100 } }), 'USD');

    expect(cart).to.include({ currency: 'USD', subtotal: 100, version: 0 });
  });

  it('reprices the saved cart in a changed currency preference, as the server will', () => {
    const cart = projectCart(saved, [], known, 'USD');

    expect(cart.lines[0]).to.include({ unitPrice: 1690, lineTotal: 3380 });
    expect(cart).to.include({ currency: 'USD', subtotal: 3380, currencyChoice: { reason: 'preference', preferred: 'USD', unpriced: [] } });
  });

  it('falls back to the catalogue currency when a line has no price in the preferred one, and says which', () => {
    const cart = projectCart(saved, [{ kind: 'cart.add', sku: 'CAP-NAVY', quantity: 1 }], known, 'USD');

    expect(cart).to.include({ currency: 'EUR', subtotal: 5380, currencyChoice: { reason: 'unpriced', preferred: 'USD', unpriced: ['CAP-NAVY'] } });
  });

  it('keeps the preference the server last priced the saved cart with when no preferences were saved', () => {
    const inUsd: Cart = { ...saved, currency: 'USD', currencyChoice: { reason: 'preference', preferred: 'USD', unpriced: [] } };

    expect(projectCart(inUsd, [], known).currency).to.equal('USD');
  });

  it('ignores preference changes', () => {
    expect(projectCart(saved, [{ kind: 'prefs.set', key: 'locale', value: 'en-GB' }], known)).to.equal(saved);
  });
});

describe('the projected preferences', () => {
  it('sets and unsets keys over the saved ones', () => {
    const base = { preferences: { locale: 'de-DE', newsletter: true } };

    const projected = projectPreferences(base, [
      { kind: 'prefs.set', key: 'locale', value: 'en-GB' },
      { kind: 'prefs.unset', key: 'newsletter' },
      { kind: 'cart.clear' },
    ]);

    expect(projected).to.equal({ preferences: { locale: 'en-GB' } });
    expect(base.preferences.newsletter).to.be.true();
  });

  it('finds one key, null values included, or says it would not be set', () => {
    const base = { preferences: { nickname: null } };

    expect(projectPreference(base, [], 'nickname')).to.equal({ key: 'nickname', value: null });
    expect(projectPreference(base, [{ kind: 'prefs.unset', key: 'nickname' }], 'nickname')).to.be.undefined();
  });
});
