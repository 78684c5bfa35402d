import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { readableTime, relativeTime } from '../../cli/time-text.js';

export const lab = Lab.script();
const { describe, it } = lab;

const now = Date.parse('2026-12-05T15:00:00Z');

describe('times for people', () => {
  it('says how long ago or how soon, in minutes, hours or days', () => {
    expect(relativeTime(now - 10_000, now)).to.equal('just now');
    expect(relativeTime(now - 3 * 60_000, now)).to.equal('3 min ago');
    expect(relativeTime(now + 15 * 60_000, now)).to.equal('in 15 min');
    expect(relativeTime(now - 5 * 3600_000, now)).to.equal('5 h ago');
    expect(relativeTime(now - 2 * 86_400_000, now)).to.equal('2 days ago');
    expect(relativeTime(now - 86_400_000 * 1.6, now)).to.equal('2 days ago');
  });

  it('gives a date rather than a count past a month', () => {
    expect(relativeTime(now - 40 * 86_400_000, now)).to.be.undefined();
  });

  it('adds the local clock time, and never shows ISO 8601 or milliseconds', () => {
    const text = readableTime(new Date(now - 3 * 60_000).toISOString(), now);

    expect(text).to.startWith('3 min ago (');
    expect(text).to.match(/\d{2}:\d{2}/);
    expect(text).to.not.match(/T\d{2}:|\.\d{3}Z/);
  });
});
