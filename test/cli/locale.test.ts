import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { ServerUnreachableError } from '../../cli/api/errors.js';
import { formatCount, formatMoney } from '../../cli/format.js';
import { displayLocale, posixLocale } from '../../cli/locale.js';
import { staleNotice } from '../../cli/offline/notices.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('displayLocale', () => {
  it('is the locale preference when it is one the runtime formats', () => {
    expect(displayLocale('de-DE', { LANG: 'en_GB.UTF-8' })).to.equal('de-DE');
  });

  it('falls back to LC_ALL, then LANG, when there is no usable preference', () => {
    expect(displayLocale(undefined, { LC_ALL: 'fr_FR.UTF-8', LANG: 'en_GB.UTF-8' })).to.equal('fr-FR');
    expect(displayLocale(null, { LANG: 'de_CH.UTF-8@euro' })).to.equal('de-CH');
    expect(displayLocale(42, { LANG: 'en_GB.UTF-8' })).to.equal('en-GB');
    expect(displayLocale('', {})).to.be.undefined();
  });

  it('leaves the C and POSIX locales to the runtime default', () => {
    for (const value of ['C', 'POSIX', 'C.UTF-8', '']) {
      expect(posixLocale(value)).to.be.undefined();
    }
  });
});

describe('locale formatting', () => {
  it('formats money and counts as the locale writes them', () => {
    expect(formatMoney(1490, 'EUR', 'de-DE')).to.equal('14,90\u00a0€');
    expect(formatMoney(1690, 'USD', 'en-US')).to.equal('$16.90');
    expect(formatMoney(1295, 'GBP', 'en-GB')).to.equal('£12.95');
    expect(formatCount(12345, 'de-DE')).to.equal('12.345');
  });
});

describe('the stale notice', () => {
  it('shows the saved copy’s clock time in the locale given', () => {
    const reason = new ServerUnreachableError('http://shop.test', 'refused', 'connection refused');
    const read = { source: 'cache' as const, reason, value: null, asOf: '2026-12-05T21:10:28.000Z', pending: 0 };

    const later = Date.parse('2026-12-07T10:00:00.000Z');
    expect(staleNotice(read, later, 'en-GB')).to.match(/saved 2 days ago \(Sat 5 Dec, \d\d:10\)$/);
    expect(staleNotice(read, later, 'de-DE')).to.match(/saved 2 days ago \(Sa\., 5\. Dez\., \d\d:10\)$/);
  });
});
