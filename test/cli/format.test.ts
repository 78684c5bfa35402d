import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { parsePreferenceValue, parseSku } from '../../cli/args.js';
import { formatAmount, sanitize } from '../../cli/format.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('amounts', () => {
  it('prints minor units as an exact decimal with the currency’s number of places', () => {
    expect(formatAmount(1490, 'EUR')).to.equal('14.90');
    expect(formatAmount(5, 'EUR')).to.equal('0.05');
    expect(formatAmount(0, 'EUR')).to.equal('0.00');
    expect(formatAmount(1500, 'JPY')).to.equal('1500');
    expect(formatAmount(1234, 'KWD')).to.equal('1.234');
    expect(formatAmount(-250, 'USD')).to.equal('-2.50');
  });

  it('keeps large amounts exact', () => {
    expect(formatAmount(9_007_199_254_740_991, 'EUR')).to.equal('90071992547409.91');
  });
});

describe('server text', () => {
  it('loses escape sequences and line breaks', () => {
    expect(sanitize('Mug\u001b]8;;http://evil\u0007 blue\r\n')).to.equal('Mug]8;;http://evil blue  ');
  });
});

describe('command-line values', () => {
  it('reads JSON scalars as JSON and everything else as text', () => {
    expect(parsePreferenceValue('true')).to.equal(true);
    expect(parsePreferenceValue('42')).to.equal(42);
    expect(parsePreferenceValue('-1.5')).to.equal(-1.5);
    expect(parsePreferenceValue('null')).to.equal(null);
    expect(parsePreferenceValue('"42"')).to.equal('42');
    expect(parsePreferenceValue('en-GB')).to.equal('en-GB');
    expect(parsePreferenceValue('{"a":1}')).to.equal('{"a":1}');
    expect(parsePreferenceValue('')).to.equal('');
  });

  it('upper-cases SKUs and refuses what cannot be one', () => {
    expect(parseSku(' mug-blue ')).to.equal('MUG-BLUE');
    expect(() => parseSku('mug blue')).to.throw(/a SKU is letters, digits and dashes/);
    expect(() => parseSku('-MUG')).to.throw();
  });
});
