import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { HashingGate } from '../../../server/auth/hashing-gate.js';
import { ShopError } from '../../../server/domain/errors.js';

export const lab = Lab.script();
const { describe, it } = lab;

/** Work that finishes when the test says so. */
function pending(): { promise: Promise<void>; finish: () => void; fail: () => void } {
  let finish = (): void => {};
  let fail = (): void => {};
  const promise = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = () => reject(new Error('hash failed'));
  });
  return { promise, finish, fail };
}

describe('HashingGate', () => {
  it('refuses a registration past its share at once with 503 and Retry-After, without running it', async () => {
    const gate = new HashingGate({ maxInFlight: 4, maxRegistrationsInFlight: 1 });
    const first = pending();
    const running = gate.run('registration', () => first.promise);
    let ran = false;
    const refused = await gate.run('registration', async () => {
      ran = true;
    }).catch((error: unknown) => error);
    expect(ran).to.be.false();
    expect(refused).to.be.an.instanceof(ShopError);
    expect((refused as ShopError).status).to.equal(503);
    expect((refused as ShopError).headers).to.equal({ 'Retry-After': '1' });
    first.finish();
    await running;
  });

  it('lets verifications use the threads registrations may not', async () => {
    const gate = new HashingGate({ maxInFlight: 3, maxRegistrationsInFlight: 1 });
    const work = [pending(), pending(), pending()];
    const runs = [gate.run('registration', () => work[0]!.promise), gate.run('verification', () => work[1]!.promise), gate.run('verification', () => work[2]!.promise)];
    await expect(gate.run('verification', async () => {})).to.reject(ShopError);
    work.forEach((item) => item.finish());
    await Promise.all(runs);
  });

  it('frees its place when the work fails, so the next one runs', async () => {
    const gate = new HashingGate({ maxInFlight: 1, maxRegistrationsInFlight: 1 });
    const failing = pending();
    const run = gate.run('registration', () => failing.promise);
    failing.fail();
    await expect(run).to.reject(Error, 'hash failed');
    expect(await gate.run('registration', async () => 'ran')).to.equal('ran');
  });
});
