import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import type { ErrorCode } from '../../../shared/errors.js';
import { checkExpected, type CheckoutLineView, decideCheckout, expectedOrder, stockWarning } from '../../../shared/rules/checkout.js';

export const lab = Lab.script();
const { describe, it } = lab;

const internals = {
  line(overrides: Partial<CheckoutLineView> = {}): CheckoutLineView {
    return { sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 1490, currency: 'EUR', active: true, stock: null, ...overrides };
  },
};

describe('decideCheckout', () => {
  const cases: Array<{ name: string; lines: CheckoutLineView[]; code?: ErrorCode; details?: unknown }> = [
    { name: 'refuses an empty cart with CART_EMPTY', lines: [], code: 'CART_EMPTY' },
    { name: 'places a line of unlimited stock', lines: [internals.line()] },
    { name: 'places a line that takes the last units', lines: [internals.line({ stock: 2 })] },
    {
      name: 'refuses a line with more than is in stock, saying how many are left',
      lines: [internals.line({ stock: 1 })],
      code: 'OUT_OF_STOCK',
      details: { lines: [{ sku: 'MUG-BLUE', requested: 2, available: 1 }] },
    },
    {
      name: 'refuses a product no longer sold as none left',
      lines: [internals.line({ active: false, stock: 5 })],
      code: 'OUT_OF_STOCK',
      details: { lines: [{ sku: 'MUG-BLUE', requested: 2, available: 0 }] },
    },
    {
      name: 'names every short line in one refusal',
      lines: [internals.line({ stock: 0 }), internals.line({ sku: 'CAP-NAVY', stock: 10 }), internals.line({ sku: 'TEE-WHITE-M', quantity: 3, stock: 2 })],
      code: 'OUT_OF_STOCK',
      details: { lines: [{ sku: 'MUG-BLUE', requested: 2, available: 0 }, { sku: 'TEE-WHITE-M', requested: 3, available: 2 }] },
    },
  ];
  for (const { name, lines, code, details } of cases) {
    it(name, () => {
      const decision = decideCheckout(lines);
      if (code === undefined) {
        expect(decision.kind).to.equal('place');
      } else {
        expect(decision.kind === 'refuse' && decision.refusal.code).to.equal(code);
        expect(decision.kind === 'refuse' && decision.refusal.details).to.equal(details);
      }
    });
  }

  it('prices the order with the totals rule: lines, subtotal, items, currency', () => {
    const decision = decideCheckout([internals.line(), internals.line({ sku: 'CAP-NAVY', quantity: 1, unitPrice: 2400 })]);
    expect(decision).to.equal({
      kind: 'place',
      order: {
        lines: [
          { sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 1490, lineTotal: 2980 },
          { sku: 'CAP-NAVY', name: 'Blue Mug', quantity: 1, unitPrice: 2400, lineTotal: 2400 },
        ],
        subtotal: 5380,
        itemCount: 3,
        currency: 'EUR',
      },
    });
  });

  it('places exactly when every line fits its stock', () => {
    const line = fc.record({ quantity: fc.integer({ min: 1, max: 99 }), stock: fc.option(fc.integer({ min: 0, max: 120 })), active: fc.boolean() });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), (drawn) => {
        const lines = drawn.map((item, index) => internals.line({ ...item, sku: `SKU-${index}` }));
        const fits = lines.every((item) => item.active && (item.stock === null || item.quantity <= item.stock));
        expect(decideCheckout(lines).kind).to.equal(fits ? 'place' : 'refuse');
      }),
    );
  });
});

describe('checkExpected', () => {
  const placed = (): ReturnType<typeof decideCheckout> => decideCheckout([internals.line()]);

  it('accepts the order the user confirmed', () => {
    const decision = placed();
    expect(decision.kind === 'place' && checkExpected(expectedOrder(decision.order), decision.order)).to.be.null();
  });

  it('refuses with CART_CHANGED naming a line whose price changed', () => {
    const decision = placed();
    if (decision.kind !== 'place') {
      throw new Error('expected an order');
    }
    const refusal = checkExpected({ lines: [{ sku: 'MUG-BLUE', quantity: 2, unitPrice: 1390 }], subtotal: 2780, currency: 'EUR' }, decision.order);
    expect(refusal?.code).to.equal('CART_CHANGED');
    expect(refusal?.details).to.equal({
      lines: [{ sku: 'MUG-BLUE', expected: { quantity: 2, unitPrice: 1390 }, actual: { quantity: 2, unitPrice: 1490 } }],
      expected: { subtotal: 2780, currency: 'EUR' },
      actual: { subtotal: 2980, currency: 'EUR' },
    });
  });

  it('refuses a line added or removed since', () => {
    const decision = decideCheckout([internals.line(), internals.line({ sku: 'CAP-NAVY', quantity: 1 })]);
    if (decision.kind !== 'place') {
      throw new Error('expected an order');
    }
    const refusal = checkExpected({ lines: [{ sku: 'MUG-BLUE', quantity: 2, unitPrice: 1490 }, { sku: 'PEN-GEL-5', quantity: 1, unitPrice: 850 }], subtotal: 3830, currency: 'EUR' }, decision.order);
    expect((refusal?.details as { lines: { sku: string }[] }).lines.map((line) => line.sku)).to.equal(['PEN-GEL-5', 'CAP-NAVY']);
  });

  it('refuses the same lines in another currency', () => {
    const decision = placed();
    expect(decision.kind === 'place' && checkExpected({ ...expectedOrder(decision.order), currency: 'USD' }, decision.order)?.code).to.equal('CART_CHANGED');
  });
});

describe('stockWarning', () => {
  it('warns only when the line holds more than a counted stock', () => {
    expect(stockWarning('MUG-BLUE', 3, null)).to.be.null();
    expect(stockWarning('MUG-BLUE', 3, 3)).to.be.null();
    expect(stockWarning('MUG-BLUE', 4, 3)).to.include({ code: 'EXCEEDS_STOCK', sku: 'MUG-BLUE', quantity: 4, available: 3 });
  });
});
