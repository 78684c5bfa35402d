import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { openSqliteStore } from '../../server/db/sqlite.js';
import { TransactionScope, TransactionState } from '../../server/db/transaction-scope.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('TransactionScope', () => {
  it('refuses calls from inside a running transaction when checked, and only then', async () => {
    const checked = new TransactionScope(true);
    await expect(checked.run(new TransactionState(), async () => checked.assertOutside('a call'))).to.reject(/a call was called on the root store/);
    const finished = new TransactionState();
    finished.active = false;
    await checked.run(finished, async () => checked.assertOutside('a call after the end'));
    checked.assertOutside('a call outside');

    const unchecked = new TransactionScope(false);
    expect(await unchecked.run(new TransactionState(), async () => (unchecked.assertOutside('a call'), 42))).to.equal(42);
  });

  it('still refuses a tx store used after its transaction when the misuse check is off', async () => {
    const store = await openSqliteStore(':memory:', { checkTransactionUse: false });
    try {
      const leaked = await store.transaction(async (tx) => tx);
      await expect(leaked.users.findById('x')).to.reject(/after its transaction ended/);
      expect(await store.users.findById('x')).to.be.null();
    } finally {
      await store.close();
    }
  });
});
