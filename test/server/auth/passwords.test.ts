import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { hashPassword, verifyDecoyPassword, verifyPassword } from '../../../server/auth/passwords.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('passwords', () => {
  it('hashes with a fresh salt and verifies the right password only', async () => {
    const a = await hashPassword('correct horse', 10);
    const b = await hashPassword('correct horse', 10);
    expect(a).to.not.equal(b);
    expect(a).to.match(/^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse', a)).to.be.true();
    expect(await verifyPassword('correct horsf', a)).to.be.false();
  });

  it('verifies a hash with the parameters stored in it, whatever the current cost', async () => {
    const hash = await hashPassword('päss wörd ✓', 11);
    expect(await verifyPassword('päss wörd ✓', hash)).to.be.true();
  });

  it('hashes at the production cost N=2^17 without exceeding maxmem', async () => {
    const hash = await hashPassword('production cost', 17);
    expect(hash).to.startWith('scrypt$17$8$1$');
    expect(await verifyPassword('production cost', hash)).to.be.true();
  });

  it('never matches a malformed stored hash', async () => {
    for (const stored of ['', 'plain', 'scrypt$x$8$1$a$b', 'bcrypt$10$8$1$abc$def', 'scrypt$40$8$1$abc$def', 'scrypt$10$8$1$abc$']) {
      expect(await verifyPassword('anything', stored)).to.be.false();
    }
  });

  it('spends a decoy verification for unknown accounts and never succeeds', async () => {
    expect(await verifyDecoyPassword('anything', 10)).to.be.false();
  });
});
