import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../../../shared/limits.js';
import {
  type CartDecision,
  type CartLineView,
  decideAdd,
  decideClear,
  decideRemove,
  decideSet,
  productState,
} from '../../../shared/rules/cart.js';

export const lab = Lab.script();
const { describe, it } = lab;

const internals = {
  view: (overrides: Partial<CartLineView> = {}): CartLineView => ({ quantity: 0, lineCount: 0, product: 'active', ...overrides }),
  code: (decision: CartDecision): string => (decision.kind === 'refuse' ? decision.refusal.code : decision.kind),
};

describe('decideAdd', () => {
  const cases: { name: string; view: CartLineView; quantity: number; expected: string }[] = [
    { name: 'a new line', view: internals.view(), quantity: 3, expected: 'write' },
    { name: 'on top of a line', view: internals.view({ quantity: 12, lineCount: 1 }), quantity: 87, expected: 'write' },
    { name: 'past 99 on one line', view: internals.view({ quantity: 12, lineCount: 1 }), quantity: 88, expected: 'QUANTITY_LIMIT' },
    { name: 'zero', view: internals.view(), quantity: 0, expected: 'QUANTITY_LIMIT' },
    { name: 'a fraction', view: internals.view(), quantity: 1.5, expected: 'QUANTITY_LIMIT' },
    { name: 'more than 99 at once', view: internals.view(), quantity: 100, expected: 'QUANTITY_LIMIT' },
    { name: 'a 101st line', view: internals.view({ lineCount: MAX_CART_LINES }), quantity: 1, expected: 'CART_TOO_LARGE' },
    { name: 'to a line of a full cart', view: internals.view({ quantity: 1, lineCount: MAX_CART_LINES }), quantity: 1, expected: 'write' },
    { name: 'an unavailable product', view: internals.view({ product: 'unavailable' }), quantity: 1, expected: 'SKU_NOT_FOUND' },
    { name: 'a product not known offline', view: internals.view({ product: 'unknown' }), quantity: 1, expected: 'write' },
    {
      name: 'a full cart before an unknown product',
      view: internals.view({ lineCount: MAX_CART_LINES, product: 'unavailable' }),
      quantity: 1,
      expected: 'CART_TOO_LARGE',
    },
  ];
  for (const { name, view, quantity, expected } of cases) {
    it(`decides ${expected} for ${name}`, () => {
      expect(internals.code(decideAdd(view, 'MUG-BLUE', quantity))).to.equal(expected);
    });
  }

  it('writes the sum of the line and the addition', () => {
    expect(decideAdd(internals.view({ quantity: 12, lineCount: 3 }), 'MUG-BLUE', 5)).to.equal({
      kind: 'write',
      write: { op: 'put', sku: 'MUG-BLUE', quantity: 17 },
    });
  });

  it('says how much the line already holds when it refuses', () => {
    expect(decideAdd(internals.view({ quantity: 12, lineCount: 1 }), 'MUG-BLUE', 99)).to.equal({
      kind: 'refuse',
      refusal: { code: 'QUANTITY_LIMIT', message: 'A line holds at most 99; the cart already has 12 of MUG-BLUE' },
    });
  });
});

describe('decideSet', () => {
  const cases: { name: string; view: CartLineView; quantity: number; expected: string }[] = [
    { name: 'a new line', view: internals.view(), quantity: 4, expected: 'write' },
    { name: 'an existing line', view: internals.view({ quantity: 2, lineCount: 1 }), quantity: 99, expected: 'write' },
    { name: '0 on an existing line', view: internals.view({ quantity: 2, lineCount: 1 }), quantity: 0, expected: 'write' },
    { name: '0 on a missing line', view: internals.view(), quantity: 0, expected: 'unchanged' },
    { name: '100', view: internals.view(), quantity: 100, expected: 'QUANTITY_LIMIT' },
    { name: 'a negative number', view: internals.view(), quantity: -1, expected: 'QUANTITY_LIMIT' },
    { name: 'a 101st line', view: internals.view({ lineCount: MAX_CART_LINES }), quantity: 1, expected: 'CART_TOO_LARGE' },
    { name: 'an unavailable product', view: internals.view({ product: 'unavailable' }), quantity: 1, expected: 'SKU_NOT_FOUND' },
    { name: 'removing an unavailable product', view: internals.view({ quantity: 1, lineCount: 1, product: 'unavailable' }), quantity: 0, expected: 'write' },
  ];
  for (const { name, view, quantity, expected } of cases) {
    it(`decides ${expected} for ${name}`, () => {
      expect(internals.code(decideSet(view, 'MUG-BLUE', quantity))).to.equal(expected);
    });
  }

  it('deletes the line for 0', () => {
    expect(decideSet(internals.view({ quantity: 2, lineCount: 1 }), 'MUG-BLUE', 0)).to.equal({ kind: 'write', write: { op: 'delete', sku: 'MUG-BLUE' } });
  });
});

describe('decideRemove and decideClear', () => {
  it('deletes a line the cart has', () => {
    expect(decideRemove({ quantity: 3 }, 'MUG-BLUE')).to.equal({ kind: 'write', write: { op: 'delete', sku: 'MUG-BLUE' } });
  });

  it('changes nothing for a line the cart lacks', () => {
    expect(decideRemove({ quantity: 0 }, 'MUG-BLUE')).to.equal({ kind: 'unchanged' });
  });

  it('clears a cart with lines and leaves an empty one unchanged', () => {
    expect(decideClear({ lineCount: 2 })).to.equal({ kind: 'write', write: { op: 'clear' } });
    expect(decideClear({ lineCount: 0 })).to.equal({ kind: 'unchanged' });
  });
});

describe('productState', () => {
  it('says whether a cart may take a product', () => {
    expect(productState({ active: true })).to.equal('active');
    expect(productState({ active: false })).to.equal('unavailable');
    expect(productState(null)).to.equal('unavailable');
  });
});

describe('cart rules, as properties', () => {
  const skus = ['A', 'B', 'C', 'D', 'E'];
  type Change =
    | { kind: 'add' | 'set'; sku: string; quantity: number }
    | { kind: 'remove'; sku: string }
    | { kind: 'clear' };
  const change: fc.Arbitrary<Change> = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), sku: fc.constantFrom(...skus), quantity: fc.integer({ min: -5, max: 120 }) }),
    fc.record({ kind: fc.constant('set' as const), sku: fc.constantFrom(...skus), quantity: fc.integer({ min: -5, max: 120 }) }),
    fc.record({ kind: fc.constant('remove' as const), sku: fc.constantFrom(...skus) }),
    fc.record({ kind: fc.constant('clear' as const) }),
  );

  /** Applies every decided write to a cart of `skus`, starting from `start` lines of other products. */
  const run = (start: number, changes: Change[]) => {
    const lines = new Map<string, number>(Array.from({ length: start }, (_, i) => [`FILL-${i}`, 1]));
    for (const c of changes) {
      const view = { quantity: 'sku' in c ? (lines.get(c.sku) ?? 0) : 0, lineCount: lines.size, product: 'active' as const };
      const decision =
        c.kind === 'add' ? decideAdd(view, c.sku, c.quantity) : c.kind === 'set' ? decideSet(view, c.sku, c.quantity) : c.kind === 'remove' ? decideRemove(view, c.sku) : decideClear(view);
      if (decision.kind === 'write') {
        const { write } = decision;
        if (write.op === 'put') {
          lines.set(write.sku, write.quantity);
        } else if (write.op === 'delete') {
          lines.delete(write.sku);
        } else {
          lines.clear();
        }
      }
    }
    return lines;
  };

  it('never yields a line outside 1–99 or more than 100 lines, whatever the changes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_CART_LINES }), fc.array(change, { maxLength: 60 }), (start, changes) => {
        const lines = run(start, changes);
        expect(lines.size).to.be.at.most(MAX_CART_LINES);
        for (const quantity of lines.values()) {
          expect(quantity).to.be.within(1, MAX_LINE_QUANTITY);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an add exactly when the line or the cart would go past its limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 99 }), (quantity, lineCount, add) => {
        const view = { quantity, lineCount: Math.max(lineCount, quantity > 0 ? 1 : 0), product: 'active' as const };
        const over = quantity + add > MAX_LINE_QUANTITY || (quantity === 0 && view.lineCount >= MAX_CART_LINES);
        expect(decideAdd(view, 'A', add).kind).to.equal(over ? 'refuse' : 'write');
      }),
    );
  });
});
