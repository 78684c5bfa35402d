import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { newIdempotencyKey, uniqueName } from '../../cli/unique-id.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('unique ids', () => {
  it('never gives the same name twice, and gives names safe in a file name', () => {
    const names = Array.from({ length: 10_000 }, () => uniqueName());

    expect(new Set(names).size).to.equal(names.length);
    expect(names.every((name) => /^[a-z0-9-]{20,40}$/.test(name))).to.be.true();
  });

  it('makes idempotency keys that are random UUIDs', () => {
    const keys = Array.from({ length: 1000 }, () => newIdempotencyKey());

    expect(new Set(keys).size).to.equal(keys.length);
    expect(keys.every((key) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(key))).to.be.true();
  });
});
