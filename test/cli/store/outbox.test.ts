import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { UserError } from '../../../cli/errors.js';
import type { ChangeOp } from '../../../cli/store/change-op.js';
import { type Account, Outbox, type OutboxEntry, type OutboxState } from '../../../cli/store/outbox.js';
import { makeConfigDir } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

const ada: Account = { server: 'http://shop.test', userId: 'user-ada' };
const bob: Account = { server: 'http://shop.test', userId: 'user-bob' };

function fields(account: Account, op: ChangeOp, key = `key-${Math.random()}`): Omit<OutboxEntry, 'id'> {
  return { ...account, key, op, email: null, queuedAt: '2030-01-01T00:00:00.000Z' };
}

describe('the outbox', () => {
  let dir: { path: string; remove(): Promise<void> };
  let outbox: Outbox;

  beforeEach(async () => {
    dir = await makeConfigDir();
    outbox = new Outbox(dir.path);
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('is empty before anything was queued, without creating a file', () => {
    expect(outbox.read()).to.equal({ nextId: 1, pending: [], failed: [] });
  });

  it('keeps queued ops on disk in order, numbered, with their keys', async () => {
    await outbox.enqueue(fields(ada, { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 2 }, 'key-1'));
    const { entry, pending } = await outbox.enqueue(fields(ada, { kind: 'prefs.set', key: 'locale', value: 'en-GB' }, 'key-2'));

    expect(entry.id).to.equal(2);
    expect(pending.map((queued) => queued.key)).to.equal(['key-1', 'key-2']);
    const reopened = new Outbox(dir.path).read();
    expect(reopened.pending.map((queued) => [queued.id, queued.key, queued.op.kind])).to.equal([
      [1, 'key-1', 'cart.add'],
      [2, 'key-2', 'prefs.set'],
    ]);
  });

  it('counts pending ops per account and server', async () => {
    await outbox.enqueue(fields(ada, { kind: 'cart.clear' }));
    await outbox.enqueue(fields(bob, { kind: 'cart.clear' }));
    await outbox.enqueue(fields({ ...ada, server: 'http://other.test' }, { kind: 'cart.clear' }));

    expect(outbox.pendingFor(ada)).to.have.length(1);
    expect(outbox.pendingFor(bob)).to.have.length(1);
  });

  it('loses none of the ops queued by many writers at once', async () => {
    const writers = Array.from({ length: 40 }, (_, index) =>
      new Outbox(dir.path, { pollMs: 1 }).enqueue(fields(ada, { kind: 'cart.add', sku: `ITEM-${index}`, quantity: 1 })),
    );

    await Promise.all(writers);

    const state = outbox.read();
    expect(state.pending).to.have.length(40);
    expect(new Set(state.pending.map((entry) => entry.id)).size).to.equal(40);
    expect(state.nextId).to.equal(41);
  });

  it('moves a refused op to the failed list with its reason, and forgets a sent one', async () => {
    const sent = await outbox.enqueue(fields(ada, { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 1 }));
    const refused = await outbox.enqueue(fields(ada, { kind: 'cart.add', sku: 'NOPE', quantity: 1 }));

    outbox.recordSent(sent.entry);
    await outbox.settle([{ id: refused.entry.id, failure: { failedAt: '2030-01-01T00:00:01.000Z', status: 404, code: 'SKU_NOT_FOUND', reason: 'No product' } }]);

    const state = outbox.read();
    expect(state.pending).to.equal([]);
    expect(state.failed.map((entry) => [entry.id, entry.code, entry.reason])).to.equal([[2, 'SKU_NOT_FOUND', 'No product']]);
  });

  it('forgets a sent op at once for every reader, and rewrites the file only when the sync settles', async () => {
    const sent = await outbox.enqueue(fields(ada, { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 1 }, 'key-sent'));
    await outbox.enqueue(fields(ada, { kind: 'cart.clear' }, 'key-waiting'));
    const stored = async () => (JSON.parse(await readFile(outbox.path, 'utf8')) as OutboxState).pending.map((entry) => entry.key);

    outbox.recordSent(sent.entry);

    expect(new Outbox(dir.path).read().pending.map((entry) => entry.key)).to.equal(['key-waiting']);
    expect(await stored()).to.equal(['key-sent', 'key-waiting']);
    const settled = await outbox.settle([]);
    expect(settled.pending.map((entry) => entry.key)).to.equal(['key-waiting']);
    expect(await stored()).to.equal(['key-waiting']);
    expect((await readdir(dir.path)).filter((name) => name.startsWith('outbox.'))).to.equal(['outbox.json']);
  });

  it('keeps an op pending when the sent log was cut off in the middle of its line', async () => {
    const cut = await outbox.enqueue(fields(ada, { kind: 'cart.clear' }, 'key-cut'));
    const whole = await outbox.enqueue(fields(ada, { kind: 'cart.clear' }, 'key-whole'));
    outbox.recordSent(whole.entry);
    outbox.recordSent(cut.entry);
    const log = join(dir.path, 'outbox.sent');
    const text = await readFile(log, 'utf8');
    await writeFile(log, text.slice(0, -4));

    expect(outbox.read().pending.map((entry) => entry.key)).to.equal(['key-cut']);
  });

  it('leaves pending an op that a line of the sent log names by its id or its key alone', async () => {
    await outbox.enqueue(fields(ada, { kind: 'cart.clear' }, 'key-1'));
    await outbox.enqueue(fields(ada, { kind: 'cart.clear' }, 'key-2'));
    // Left by a sync of an outbox since deleted, whose ids started again from 1.
    await writeFile(join(dir.path, 'outbox.sent'), `${JSON.stringify({ id: 1, key: 'key-old' })}\n${JSON.stringify({ id: 9, key: 'key-2' })}\n`);

    expect(outbox.read().pending.map((entry) => entry.key)).to.equal(['key-1', 'key-2']);
  });

  it('retries a failed op at the end of the queue with its key, or a new one if the server said the key was reused', async () => {
    const kept = await outbox.enqueue(fields(ada, { kind: 'cart.add', sku: 'NOPE', quantity: 1 }, 'key-kept'));
    const reused = await outbox.enqueue(fields(ada, { kind: 'cart.clear' }, 'key-reused'));
    await outbox.enqueue(fields(ada, { kind: 'prefs.unset', key: 'locale' }, 'key-waiting'));
    await outbox.settle([
      { id: kept.entry.id, failure: { failedAt: 'x', status: 404, code: 'SKU_NOT_FOUND', reason: 'No product' } },
      { id: reused.entry.id, failure: { failedAt: 'x', status: 422, code: 'IDEMPOTENCY_KEY_REUSED', reason: 'used' } },
    ]);

    const moved = await outbox.retry(() => true, () => 'key-new');

    expect(moved.map((entry) => [entry.id, entry.key])).to.equal([
      [1, 'key-kept'],
      [2, 'key-new'],
    ]);
    const state = outbox.read();
    expect(state.failed).to.equal([]);
    expect(state.pending.map((entry) => entry.key)).to.equal(['key-waiting', 'key-kept', 'key-new']);
    expect(state.pending[1]).to.not.include('reason');
  });

  it('drops a pending or a failed op by id, and reports an unknown id', async () => {
    const pending = await outbox.enqueue(fields(ada, { kind: 'cart.clear' }));

    expect((await outbox.drop(pending.entry.id))?.op).to.equal({ kind: 'cart.clear' });
    expect(await outbox.drop(99)).to.be.undefined();
    expect(outbox.read().pending).to.equal([]);
  });

  it('refuses to read, or overwrite, a damaged file: it holds changes the user was told are safe', async () => {
    await writeFile(outbox.path, '{"version":1,"nextId":3,"pending":[{"id":1');

    expect(() => outbox.read()).to.throw(UserError, /is not valid JSON/);
    await expect(outbox.enqueue(fields(ada, { kind: 'cart.clear' }))).to.reject(UserError);
    expect(await readFile(outbox.path, 'utf8')).to.equal('{"version":1,"nextId":3,"pending":[{"id":1');
  });

  it('refuses an op it does not understand rather than dropping it', async () => {
    await writeFile(outbox.path, JSON.stringify({ version: 1, nextId: 2, pending: [{ ...fields(ada, { kind: 'cart.clear' }), id: 1, op: { kind: 'cart.teleport' } }], failed: [] }));

    expect(() => outbox.read()).to.throw(UserError, /not an outbox this version of shop understands/);
  });

  it('asks for a newer shop to read a file a newer shop wrote', async () => {
    await writeFile(outbox.path, JSON.stringify({ version: 2 }));

    expect(() => outbox.read()).to.throw(UserError, /newer version of shop/);
  });
});
