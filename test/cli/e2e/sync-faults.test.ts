import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { jwtSubject } from '../../../cli/api/jwt.js';
import type { StoredCredentials } from '../../../cli/store/config-store.js';
import { Outbox } from '../../../cli/store/outbox.js';
import type { ProductPage } from '../../../shared/wire.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell, spawnShop } from '../../helpers/cli-binary.js';
import { applyToModel, normalizeModel, serverState } from '../../helpers/cli-model.js';
import { randomChanges, seededRandom } from '../../helpers/cli-random.js';
import { createServerProcess, type ServerProcess } from '../../helpers/server-process.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const SEED = 20_240_917;
// Several push batches (of MAX_PUSH_CHANGES), so a kill lands between and inside them.
const CHANGES = 1_500;
const ROUNDS = 4;

describe('a sync the server dies in the middle of', () => {
  let server: ServerProcess;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let email: string;

  before(async () => {
    await ensureBuilt();
    server = await createServerProcess();
    await server.start();
    dir = await makeConfigDir();
    env = { SHOP_SERVER: server.url, SHOP_CONFIG_DIR: dir.path };
    email = uniqueEmail('faults');
    const registered = await runShell(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin`, env);
    expect(registered.code, registered.stderr).to.equal(0);
  });

  after(async () => {
    await server.dispose();
    await dir.remove();
  });

  /** Runs `shop sync`, SIGKILLs the server once it has reported `sent` changes and `jitterMs` more; its exit code. */
  const syncKillingServerAfter = async (sent: number, jitterMs: number): Promise<number | null> => {
    const child = spawnShop(['sync'], env);
    const exited = once(child, 'exit') as Promise<[number | null]>;
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.resume();
    while (stdout.split('\n').length - 1 < sent && child.exitCode === null) {
      await sleep(1);
    }
    await sleep(jitterMs);
    await server.kill();
    const [code] = await exited;
    return code;
  };

  it('loses no change and applies none twice, however often the server is killed and restarted', async () => {
    const random = seededRandom(SEED);
    const catalog = JSON.parse((await runShell('shop products --limit 100 --json', env)).stdout) as ProductPage;
    const skus = catalog.items.filter((product) => product.active).map((product) => product.sku).slice(0, 8);
    const credentials = JSON.parse(await readFile(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, StoredCredentials>;
    const account = { server: server.url, userId: jwtSubject(credentials[server.url]!.accessToken)! };

    // A long outbox, as days offline would leave it; each change with its own key, as `shop` queues it.
    const outbox = new Outbox(dir.path);
    const changes = randomChanges(random, CHANGES, skus);
    // In one write, as `enqueue` would leave them (one durable rewrite per change would cost seconds at this length).
    await outbox.update((state) => {
      for (const op of changes) {
        const id = state.nextId++;
        state.pending.push({ id, seq: id, ...account, key: randomUUID(), op, email, queuedAt: new Date().toISOString() });
      }
      return true;
    });
    const model = await serverState(server.url, dir.path);
    const refused = changes.flatMap((op, index) => (applyToModel(model, op, new Set(skus)) === 'refused' ? [index + 1] : []));

    const interrupted: number[] = [];
    for (let round = 0; round < ROUNDS && outbox.read().pending.length > 1; round += 1) {
      const before = outbox.read().pending.length;
      // Kill the server once the sync has got a random way through the queue, a few ms into whatever it sends next.
      const code = await syncKillingServerAfter(random.between(1, before - 1), random.between(0, 4));
      expect([0, 1, 3]).to.include(code ?? -1);
      if (code === 3) {
        interrupted.push(before - outbox.read().pending.length);
      }
      await server.start();
    }
    const last = await runShell('shop sync', env);

    expect([0, 1], last.stderr).to.include(last.code ?? -1);
    // The faults did land mid-replay: some rounds were cut short after sending part of the queue.
    expect(interrupted.filter((sent) => sent > 0).length, `changes sent per interrupted round: ${interrupted}`).to.be.at.least(2);
    const state = outbox.read();
    expect(state.pending).to.equal([]);
    expect(normalizeModel(await serverState(server.url, dir.path))).to.equal(normalizeModel(model));
    // What the server refused for good is kept, with its reason — and nothing else is.
    expect(state.failed.map((entry) => entry.id)).to.equal(refused);
    expect(state.failed.every((entry) => entry.status >= 400 && entry.status < 500 && entry.code !== null)).to.be.true();
  });
});
