import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import { cartTotals } from '../../../shared/rules/totals.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('cartTotals', () => {
  it('prices each line and sums the cart', () => {
    expect(
      cartTotals<number>([
        { sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 1490 },
        { sku: 'TEE-BLACK-M', name: 'Tee', quantity: 1, unitPrice: 2500 },
      ]),
    ).to.equal({
      lines: [
        { sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 1490, lineTotal: 2980 },
        { sku: 'TEE-BLACK-M', name: 'Tee', quantity: 1, unitPrice: 2500, lineTotal: 2500 },
      ],
      subtotal: 5480,
      itemCount: 3,
    });
  });

  it('leaves a line with no known price out of the subtotal but counts its items', () => {
    const totals = cartTotals<number | null>([
      { sku: 'NEW-THING', name: null, quantity: 4, unitPrice: null },
      { sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 1, unitPrice: 1490 },
    ]);
    expect(totals.lines[0]?.lineTotal).to.be.null();
    expect(totals.subtotal).to.equal(1490);
    expect(totals.itemCount).to.equal(5);
  });

  it('makes the subtotal the sum of the line totals and the item count the sum of the quantities', () => {
    const line = fc.record({ sku: fc.string(), name: fc.string(), quantity: fc.integer({ min: 1, max: 99 }), unitPrice: fc.integer({ min: 0, max: 1_000_000 }) });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 100 }), (lines) => {
        const totals = cartTotals(lines);
        expect(totals.subtotal).to.equal(totals.lines.reduce((sum, l) => sum + l.lineTotal, 0));
        expect(totals.itemCount).to.equal(lines.reduce((sum, l) => sum + l.quantity, 0));
        expect(totals.lines.every((l) => l.lineTotal === l.unitPrice * l.quantity)).to.be.true();
      }),
    );
  });
});
