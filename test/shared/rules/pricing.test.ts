import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import { CATALOG_CURRENCY, cartCurrency, priceIn, productPrice } from '../../../shared/rules/pricing.js';

export const lab = Lab.script();
const { describe, it } = lab;

const mug = { sku: 'MUG-BLUE', prices: { EUR: 1490, USD: 1690, GBP: 1295 } };
const decaf = { sku: 'COFFEE-DECAF-250', prices: { EUR: 1290, USD: 1490 } };

describe('productPrice', () => {
  it('is the price in the currency asked for when the product has one', () => {
    expect(productPrice(mug.prices, 'USD')).to.equal({ currency: 'USD', amount: 1690, source: 'requested' });
  });

  it('is the catalogue-currency price when none is asked for', () => {
    expect(productPrice(mug.prices, undefined)).to.equal({ currency: 'EUR', amount: 1490, source: 'default' });
  });

  it('falls back to the catalogue currency when the product has no price in the one asked for', () => {
    expect(productPrice(decaf.prices, 'GBP')).to.equal({ currency: 'EUR', amount: 1290, source: 'default' });
  });

  it('throws for a price list without the catalogue currency', () => {
    expect(() => productPrice({ USD: 100 }, 'GBP')).to.throw(/no EUR price/);
  });
});

describe('priceIn', () => {
  it('is null for a currency the list lacks, even an inherited property name', () => {
    expect(priceIn(mug.prices, 'JPY')).to.be.null();
    expect(priceIn(mug.prices, 'constructor')).to.be.null();
  });
});

describe('cartCurrency', () => {
  it('is the preference when every line has a price in it', () => {
    expect(cartCurrency('USD', [mug, decaf])).to.equal({ currency: 'USD', reason: 'preference', preferred: 'USD', unpriced: [] });
  });

  it('is the preference for an empty cart', () => {
    expect(cartCurrency('GBP', [])).to.equal({ currency: 'GBP', reason: 'preference', preferred: 'GBP', unpriced: [] });
  });

  it('is the catalogue currency, naming the lines, when some have no price in the preference', () => {
    expect(cartCurrency('GBP', [mug, decaf])).to.equal({ currency: 'EUR', reason: 'unpriced', preferred: 'GBP', unpriced: ['COFFEE-DECAF-250'] });
  });

  it('is the catalogue currency without a preference, or with one that is no currency code', () => {
    for (const preference of [undefined, null, 'usd', 'XXXX', 42]) {
      expect(cartCurrency(preference, [mug])).to.equal({ currency: 'EUR', reason: 'default', preferred: null, unpriced: [] });
    }
  });

  it('lets lines of unknown price (offline) not decide', () => {
    expect(cartCurrency('GBP', [mug, { sku: 'NEW', prices: null }]).currency).to.equal('GBP');
  });

  it('always picks a currency every priced line has a price in, when each has the catalogue one', () => {
    const currency = fc.constantFrom('EUR', 'USD', 'GBP', 'JPY');
    const line = fc.record({ sku: fc.string(), prices: fc.dictionary(currency, fc.nat()).map((prices) => ({ ...prices, [CATALOG_CURRENCY]: 1 })) });
    fc.assert(
      fc.property(fc.option(currency), fc.array(line), (preference, lines) => {
        const choice = cartCurrency(preference, lines);
        expect(lines.every((l) => priceIn(l.prices, choice.currency) !== null)).to.be.true();
      }),
    );
  });
});
