import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { decideClaim } from '../../../shared/rules/idempotency.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('decideClaim', () => {
  const now = 1_000_000;
  const stored = { fingerprint: 'f1', complete: true, expiresAt: now + 1 };

  it('claims a key nothing is stored under', () => {
    expect(decideClaim(undefined, 'f1', now)).to.equal({ kind: 'new' });
  });

  it('claims a key whose record expired, at the instant it expires too', () => {
    expect(decideClaim({ ...stored, expiresAt: now }, 'f2', now)).to.equal({ kind: 'new' });
  });

  it('replays the same request', () => {
    expect(decideClaim(stored, 'f1', now)).to.equal({ kind: 'replay' });
  });

  it('refuses the same key with another request', () => {
    expect(decideClaim(stored, 'f2', now)).to.equal({
      kind: 'refuse',
      reason: 'mismatch',
      refusal: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'This Idempotency-Key was already used for a different request' },
    });
  });

  it('says a request whose response was never recorded is in flight', () => {
    const decision = decideClaim({ ...stored, complete: false }, 'f1', now);
    expect(decision.kind === 'refuse' && decision.reason).to.equal('in_flight');
  });

  it('says another request is a mismatch before it says in flight', () => {
    const decision = decideClaim({ ...stored, complete: false }, 'f2', now);
    expect(decision.kind === 'refuse' && decision.reason).to.equal('mismatch');
  });
});
