import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import { MAX_CART_LINES, MAX_LINE_QUANTITY, MAX_PREFERENCES } from '../../../shared/limits.js';
import { decideGuestMerge, type GuestMergeLine, type GuestMergeView, type MergeLine } from '../../../shared/rules/guest-merge.js';

export const lab = Lab.script();
const { describe, it } = lab;

const full = (count: number, prefix = 'A'): MergeLine[] => Array.from({ length: count }, (_, i) => ({ sku: `${prefix}-${i}`, quantity: 1 }));
const view = (partial: Partial<GuestMergeView>): GuestMergeView => ({
  accountLines: [],
  accountPreferenceKeys: [],
  guestLines: [],
  guestPreferences: {},
  ...partial,
});

describe('decideGuestMerge', () => {
  const cases: { name: string; view: GuestMergeView; lines: MergeLine[]; report: Record<string, unknown> }[] = [
    {
      name: 'adds a guest line the account lacks',
      view: view({ guestLines: [{ sku: 'TEE', quantity: 2, product: 'active' }] }),
      lines: [{ sku: 'TEE', quantity: 2 }],
      report: { added: [{ sku: 'TEE', quantity: 2, total: 2 }], capped: [], dropped: [] },
    },
    {
      name: 'sums a line both carts hold',
      view: view({ accountLines: [{ sku: 'TEE', quantity: 3 }], guestLines: [{ sku: 'TEE', quantity: 4, product: 'active' }] }),
      lines: [{ sku: 'TEE', quantity: 7 }],
      report: { added: [{ sku: 'TEE', quantity: 4, total: 7 }], capped: [], dropped: [] },
    },
    {
      name: 'caps a summed line at the line limit and reports it',
      view: view({ accountLines: [{ sku: 'TEE', quantity: 60 }], guestLines: [{ sku: 'TEE', quantity: 50, product: 'active' }] }),
      lines: [{ sku: 'TEE', quantity: MAX_LINE_QUANTITY }],
      report: { added: [], capped: [{ sku: 'TEE', wanted: 110, kept: MAX_LINE_QUANTITY }], dropped: [] },
    },
    {
      name: 'reports a line already full without writing it',
      view: view({ accountLines: [{ sku: 'TEE', quantity: 99 }], guestLines: [{ sku: 'TEE', quantity: 1, product: 'active' }] }),
      lines: [],
      report: { added: [], capped: [{ sku: 'TEE', wanted: 100, kept: 99 }], dropped: [] },
    },
    {
      name: 'drops a new line when the account cart is full',
      view: view({ accountLines: full(MAX_CART_LINES), guestLines: [{ sku: 'NEW', quantity: 1, product: 'active' }] }),
      lines: [],
      report: { added: [], capped: [], dropped: [{ sku: 'NEW', quantity: 1, reason: 'CART_TOO_LARGE' }] },
    },
    {
      name: 'still sums into a line of a full cart',
      view: view({ accountLines: full(MAX_CART_LINES), guestLines: [{ sku: 'A-0', quantity: 1, product: 'active' }] }),
      lines: [{ sku: 'A-0', quantity: 2 }],
      report: { added: [{ sku: 'A-0', quantity: 1, total: 2 }], capped: [], dropped: [] },
    },
    {
      name: 'fills the last free line with the earliest guest line',
      view: view({
        accountLines: full(MAX_CART_LINES - 1),
        guestLines: [{ sku: 'FIRST', quantity: 1, product: 'active' }, { sku: 'SECOND', quantity: 5, product: 'active' }],
      }),
      lines: [{ sku: 'FIRST', quantity: 1 }],
      report: { added: [{ sku: 'FIRST', quantity: 1, total: 1 }], capped: [], dropped: [{ sku: 'SECOND', quantity: 5, reason: 'CART_TOO_LARGE' }] },
    },
    {
      name: 'drops a product no longer sold',
      view: view({ guestLines: [{ sku: 'GONE', quantity: 2, product: 'unavailable' }] }),
      lines: [],
      report: { added: [], capped: [], dropped: [{ sku: 'GONE', quantity: 2, reason: 'SKU_NOT_FOUND' }] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideGuestMerge(c.view);
      expect(decision.lines).to.equal(c.lines);
      expect({ added: decision.report.added, capped: decision.report.capped, dropped: decision.report.dropped }).to.equal(c.report);
    });
  }

  it('fills only the preference keys the account lacks', () => {
    const decision = decideGuestMerge(view({ accountPreferenceKeys: ['currency'], guestPreferences: { currency: 'USD', theme: 'dark' } }));
    expect(decision.preferences).to.equal([{ key: 'theme', value: 'dark' }]);
    expect(decision.report.preferences).to.equal({ filled: ['theme'], kept: ['currency'], dropped: [] });
  });

  it('reports guest preferences the account has no room for', () => {
    const keys = Array.from({ length: MAX_PREFERENCES }, (_, i) => `k${i}`);
    const decision = decideGuestMerge(view({ accountPreferenceKeys: keys, guestPreferences: { theme: 'dark' } }));
    expect(decision.preferences).to.equal([]);
    expect(decision.report.preferences.dropped).to.equal(['theme']);
  });

  it('accounts for every guest line exactly once and keeps every limit', () => {
    const sku = fc.constantFrom(...Array.from({ length: 130 }, (_, i) => `S-${i}`));
    const lines = fc.uniqueArray(fc.record({ sku, quantity: fc.integer({ min: 1, max: MAX_LINE_QUANTITY }) }), {
      selector: (line) => line.sku,
      maxLength: MAX_CART_LINES,
    });
    const guest = fc.uniqueArray(
      fc.record({ sku, quantity: fc.integer({ min: 1, max: MAX_LINE_QUANTITY }), product: fc.constantFrom<GuestMergeLine['product']>('active', 'unavailable') }),
      { selector: (line) => line.sku, maxLength: MAX_CART_LINES },
    );
    fc.assert(
      fc.property(lines, guest, (accountLines, guestLines) => {
        const { lines: writes, report } = decideGuestMerge(view({ accountLines, guestLines }));
        const reported = [...report.added, ...report.capped, ...report.dropped].map((line) => line.sku).sort();
        expect(reported).to.equal(guestLines.map((line) => line.sku).sort());
        const after = new Map(accountLines.map((line) => [line.sku, line.quantity]));
        for (const write of writes) {
          expect(write.quantity).to.be.within(1, MAX_LINE_QUANTITY);
          expect(write.quantity).to.be.at.least(after.get(write.sku) ?? 1);
          after.set(write.sku, write.quantity);
        }
        expect(after.size).to.be.at.most(Math.max(MAX_CART_LINES, accountLines.length));
        for (const added of report.added) {
          const before = accountLines.find((line) => line.sku === added.sku)?.quantity ?? 0;
          expect(after.get(added.sku)).to.equal(before + added.quantity);
        }
      }),
    );
  });
});
