import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { jwtSubject } from '../../../cli/api/jwt.js';
import type { ChangeOp } from '../../../cli/store/change-op.js';
import type { StoredCredentials } from '../../../cli/store/config-store.js';
import { type Account, Outbox, type OutboxState } from '../../../cli/store/outbox.js';
import type { ProductPage } from '../../../shared/wire.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell, spawnShop } from '../../helpers/cli-binary.js';
import { applyToModel, normalizeModel, serverState, type ShopModel } from '../../helpers/cli-model.js';
import { randomChanges, seededRandom } from '../../helpers/cli-random.js';
import { createServerProcess, type ServerProcess } from '../../helpers/server-process.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

const SEED = 8_675_309;
const CHANGES = 150;
const ROUNDS = 4;

/** What a killed `shop sync` printed before it died: the ids of the ops it reported sent, and of those it reported refused. */
interface Reported {
  sent: Set<number>;
  refused: Set<number>;
}

describe('shop sync killed with kill -9', () => {
  let server: ServerProcess;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let skus: string[];

  before(async () => {
    await ensureBuilt();
    server = await createServerProcess();
    await server.start();
    const catalog = JSON.parse((await runShell('shop products --limit 100 --json', { SHOP_SERVER: server.url })).stdout) as ProductPage;
    skus = catalog.items.filter((product) => product.active).map((product) => product.sku).slice(0, 8);
  });

  after(async () => {
    await server.dispose();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
    env = { SHOP_SERVER: server.url, SHOP_CONFIG_DIR: dir.path };
    const registered = await runShell(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${uniqueEmail('sync-crash')} --password-stdin`, env);
    expect(registered.code, registered.stderr).to.equal(0);
  });

  afterEach(async () => {
    await dir.remove();
  });

  const account = async (): Promise<Account> => {
    const credentials = JSON.parse(await readFile(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, StoredCredentials>;
    return { server: server.url, userId: jwtSubject(credentials[server.url]!.accessToken)! };
  };

  /**
   * Queues `changes` in one write, as days offline would leave them, and works out what the server should hold once
   * each is applied exactly once: the model, and the ids of the changes it refuses.
   */
  const queue = async (changes: readonly ChangeOp[]): Promise<{ model: ShopModel; refused: number[] }> => {
    const model = await serverState(server.url, dir.path);
    const owner = await account();
    const refused: number[] = [];
    await new Outbox(dir.path).update((state) => {
      for (const op of changes) {
        const id = state.nextId++;
        state.pending.push({ id, key: randomUUID(), op, ...owner, email: null, queuedAt: new Date().toISOString() });
        if (applyToModel(model, op, new Set(skus)) === 'refused') {
          refused.push(id);
        }
      }
      return true;
    });
    return { model, refused };
  };

  /** Runs `shop sync` and SIGKILLs it once it has reported `lines` ops; what it reported before it died. */
  const syncKilledAfter = async (lines: number): Promise<Reported> => {
    const child = spawnShop(['sync'], env);
    const closed = once(child, 'close');
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.resume();
    while (stdout.split('\n').length - 1 < lines && child.exitCode === null) {
      await sleep(1);
    }
    child.kill('SIGKILL');
    await closed;
    const reported: Reported = { sent: new Set(), refused: new Set() };
    for (const [id, status] of stdout.split('\n').filter(Boolean).map((line) => line.split('\t'))) {
      reported[status === 'sent' ? 'sent' : 'refused'].add(Number(id));
    }
    return reported;
  };

  /** The ids `shop queue` lists as pending and as failed. */
  const listed = async (): Promise<{ pending: number[]; failed: number[] }> => {
    const run = await runShell('shop queue --json', env);
    expect(run.code, run.stderr).to.equal(0);
    const listing = JSON.parse(run.stdout) as { pending: { id: number }[]; failed: { id: number }[] };
    return { pending: listing.pending.map((entry) => entry.id), failed: listing.failed.map((entry) => entry.id) };
  };

  it('leaves exactly the changes it had not sent in shop queue, and the next sync applies each change once', async () => {
    const random = seededRandom(SEED);
    const { model, refused } = await queue(randomChanges(random, CHANGES, skus));

    let cutShort = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const before = await listed();
      if (before.pending.length < 2) {
        break;
      }
      const reported = await syncKilledAfter(random.between(1, Math.min(40, before.pending.length - 1)));
      const after = await listed();

      // Nothing it said was sent is still listed. Everything it did not get to is, in order, and so is a refusal it had
      // no time to write down (refusals are settled before the next op is sent, so nothing behind one was sent). One
      // more op may be gone: recorded, as sent or as refused, a moment before the kill, but not yet printed — the op
      // right after the last one printed.
      const context = `round ${round}: ${JSON.stringify({ before, after, sent: [...reported.sent], refused: [...reported.refused] })}`;
      const unsent = before.pending.filter((id) => !reported.sent.has(id) && !after.failed.includes(id));
      const sentUnprinted = unsent.length - after.pending.length;
      const refusedUnprinted = after.failed.filter((id) => !before.failed.includes(id) && !reported.refused.has(id));
      const firstUnprinted = before.pending.find((id) => !reported.sent.has(id) && !reported.refused.has(id));
      expect(sentUnprinted + refusedUnprinted.length, context).to.be.within(0, 1);
      expect(after.pending, context).to.equal(unsent.slice(sentUnprinted));
      expect(refusedUnprinted.every((id) => id === firstUnprinted), context).to.be.true();
      // A refusal the server keeps no record of must be written down before anything behind it is sent, or the next
      // sync would send it again after those, out of order.
      const lastSent = Math.max(0, ...[...reported.sent].map((id) => before.pending.indexOf(id)));
      const refusedBeforeLastSent = [...reported.refused].filter((id) => before.pending.indexOf(id) < lastSent);
      expect(refusedBeforeLastSent.every((id) => after.failed.includes(id)), context).to.be.true();
      cutShort += after.pending.length > 0 && after.pending.length < before.pending.length ? 1 : 0;
    }
    const last = await runShell('shop sync', env);

    expect([0, 1], last.stderr).to.include(last.code ?? -1);
    expect(cutShort, 'rounds killed mid-queue').to.be.at.least(2);
    expect(await listed()).to.equal({ pending: [], failed: refused });
    expect(normalizeModel(await serverState(server.url, dir.path))).to.equal(normalizeModel(model));
  });

  it('applies each change once when the sent ops not yet written to the outbox are lost, as a power cut can lose them', async () => {
    // Adds only, none of them refused: an add the server applied twice would show in the quantity.
    // Several push batches, so the kill lands while sent ops wait in the unflushed sent log for the next settle.
    const adds = Array.from({ length: 300 }, (_, index): ChangeOp => ({ kind: 'cart.add', sku: skus[index % skus.length]!, quantity: 1 }));
    const { model, refused } = await queue(adds);
    expect(refused).to.equal([]);

    const reported = await syncKilledAfter(3);
    // The sent log is appended to without being flushed to disk: a power cut may take it with it.
    await rm(join(dir.path, 'outbox.sent'), { force: true });
    const stored = JSON.parse(await readFile(join(dir.path, 'outbox.json'), 'utf8')) as OutboxState;
    const appliedButQueued = stored.pending.map((entry) => entry.id).filter((id) => reported.sent.has(id));
    const again = await runShell('shop sync', env);

    // The kill landed before the batch was written, so changes the server had applied were sent a second time.
    expect(appliedButQueued).to.not.be.empty();
    expect(again.code, again.stderr).to.equal(0);
    const sentAgain = again.stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
    expect(appliedButQueued.every((id) => sentAgain.some(([sent, status]) => sent === String(id) && status === 'sent'))).to.be.true();
    expect(await listed()).to.equal({ pending: [], failed: [] });
    expect(normalizeModel(await serverState(server.url, dir.path))).to.equal(normalizeModel(model));
  });
});
