import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import fc from 'fast-check';

import type { ErrorCode } from '../../../shared/errors.js';
import { MAX_PREFERENCES } from '../../../shared/limits.js';
import { checkPreference, decideSetPreference, decideUnsetPreference } from '../../../shared/rules/preferences.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('checkPreference', () => {
  const cases: { key: string; value: unknown; expected: ErrorCode | undefined }[] = [
    { key: 'theme', value: 'dark', expected: undefined },
    { key: 'ui.page-size', value: 20, expected: undefined },
    { key: 'beta', value: true, expected: undefined },
    { key: 'nothing', value: null, expected: undefined },
    { key: 'currency', value: 'USD', expected: undefined },
    { key: 'currency', value: 'usd', expected: 'PREFERENCE_INVALID' },
    { key: 'currency', value: 'XYZ', expected: 'PREFERENCE_INVALID' },
    { key: 'currency', value: 42, expected: 'PREFERENCE_INVALID' },
    { key: 'locale', value: 'en-GB', expected: undefined },
    { key: 'locale', value: 'xx_YY', expected: 'PREFERENCE_INVALID' },
    { key: 'locale', value: '', expected: 'PREFERENCE_INVALID' },
    { key: 'Theme', value: 'dark', expected: 'VALIDATION_FAILED' },
    { key: '1st', value: 'x', expected: 'VALIDATION_FAILED' },
    { key: 'a'.repeat(65), value: 'x', expected: 'VALIDATION_FAILED' },
    { key: 'list', value: ['a'], expected: 'PREFERENCE_INVALID' },
    { key: 'nan', value: Number.NaN, expected: 'PREFERENCE_INVALID' },
    { key: 'big', value: 'x'.repeat(1022), expected: undefined },
    { key: 'wide', value: 'é'.repeat(511), expected: undefined },
    { key: 'big', value: 'x'.repeat(1023), expected: 'PREFERENCE_INVALID' },
    { key: 'wide', value: 'é'.repeat(512), expected: 'PREFERENCE_INVALID' },
  ];
  for (const { key, value, expected } of cases) {
    it(`${expected === undefined ? 'accepts' : `refuses with ${expected}`} ${key} = ${JSON.stringify(value)?.slice(0, 20)}`, () => {
      expect(checkPreference(key, value)?.code).to.equal(expected);
    });
  }

  it('words the locale refusal with the value', () => {
    expect(checkPreference('locale', 'xx_YY')?.message).to.equal('locale "xx_YY" is not a valid BCP 47 language tag');
  });
});

describe('decideSetPreference', () => {
  it('writes a new key under the limit', () => {
    expect(decideSetPreference({ exists: false, count: MAX_PREFERENCES - 1 }, 'theme', 'dark')).to.equal({ kind: 'write', key: 'theme', value: 'dark' });
  });

  it('refuses a new key at the limit', () => {
    expect(decideSetPreference({ exists: false, count: MAX_PREFERENCES }, 'theme', 'dark')).to.equal({
      kind: 'refuse',
      refusal: { code: 'PREFERENCES_LIMIT', message: `A user keeps at most ${MAX_PREFERENCES} preferences` },
    });
  });

  it('replaces an existing key at the limit', () => {
    expect(decideSetPreference({ exists: true, count: MAX_PREFERENCES }, 'theme', 'light').kind).to.equal('write');
  });

  it('refuses a bad value before it counts', () => {
    const decision = decideSetPreference({ exists: false, count: MAX_PREFERENCES }, 'currency', 'usd');
    expect(decision.kind === 'refuse' && decision.refusal.code).to.equal('PREFERENCE_INVALID');
  });

  it('never lets a user hold more than the limit, whatever the changes', () => {
    const keys = Array.from({ length: MAX_PREFERENCES + 5 }, (_, i) => `k${i}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...keys)), { maxLength: 300 }), (changes) => {
        const held = new Set<string>();
        for (const [set, key] of changes) {
          const decision = set ? decideSetPreference({ exists: held.has(key), count: held.size }, key, 1) : decideUnsetPreference({ exists: held.has(key) }, key);
          if (decision.kind === 'write') {
            held.add(key);
          } else if (decision.kind === 'delete') {
            held.delete(key);
          }
        }
        expect(held.size).to.be.at.most(MAX_PREFERENCES);
      }),
      { numRuns: 100 },
    );
  });
});

describe('decideUnsetPreference', () => {
  it('deletes a key that is there and changes nothing otherwise', () => {
    expect(decideUnsetPreference({ exists: true }, 'theme')).to.equal({ kind: 'delete', key: 'theme' });
    expect(decideUnsetPreference({ exists: false }, 'theme')).to.equal({ kind: 'unchanged' });
  });
});
