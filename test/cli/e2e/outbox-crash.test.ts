import { once } from 'node:events';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { Outbox } from '../../../cli/store/outbox.js';
import { makeConfigDir, runShop, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell, spawnShop } from '../../helpers/cli-binary.js';
import { seededRandom } from '../../helpers/cli-random.js';
import { createServerProcess, type ServerProcess } from '../../helpers/server-process.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const SEED = 4_711;
const ROUNDS = 40;
/** Rounds run side by side: each has its own config directory, so they share nothing but the machine. */
const PARALLEL = 4;
const LINES = 300;

interface RoundResult {
  /** Lines `shop` said were queued before it was killed. */
  reported: number[];
  /** Lines the outbox holds afterwards. */
  kept: number[];
  /** What the outbox held after the next `shop` queued one more change. */
  afterNext: number;
  leftovers: string[];
}

describe('shop killed with kill -9 while it writes the outbox', () => {
  let server: ServerProcess;
  let login: { path: string; remove(): Promise<void> };

  before(async () => {
    await ensureBuilt();
    // A real login, from a real server that is then stopped: every change below must be queued.
    server = await createServerProcess();
    await server.start();
    login = await makeConfigDir();
    const registered = await runShell(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${uniqueEmail('crash')} --password-stdin`, {
      SHOP_SERVER: server.url,
      SHOP_CONFIG_DIR: login.path,
    });
    expect(registered.code, registered.stderr).to.equal(0);
    await server.stop();
  });

  after(async () => {
    await server.dispose();
    await login.remove();
  });

  /**
   * Pipes many "SKU QTY" lines into `shop cart add -`, which queues them one by one — a durable outbox write each —
   * and SIGKILLs it `delayMs` after it first said "queued". Then checks what it left, and that the next `shop` gets on.
   */
  const crashRound = async (delayMs: number): Promise<RoundResult> => {
    const dir = await mkdtemp(join(tmpdir(), 'shop-crash-'));
    try {
      await copyFile(join(login.path, 'credentials.json'), join(dir, 'credentials.json'));
      const child = spawnShop(['cart', 'add', '-'], { SHOP_SERVER: server.url, SHOP_CONFIG_DIR: dir });
      const exited = once(child, 'exit');
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.stdout.resume();
      child.stdin.end(Array.from({ length: LINES }, (_, index) => `ITEM-${index + 1} 1\n`).join(''));
      while (!stderr.includes('queued') && child.exitCode === null) {
        await sleep(1);
      }
      await sleep(delayMs);
      child.kill('SIGKILL');
      await exited;

      const reported = [...stderr.matchAll(/^line (\d+): queued ITEM-\d+ 1$/gm)].map((match) => Number(match[1]));
      // Torn JSON would throw here; so would anything `shop` could not read back.
      JSON.parse(await readFile(join(dir, 'outbox.json'), 'utf8'));
      const kept = new Outbox(dir).read().pending.map((entry) => ('sku' in entry.op ? Number(entry.op.sku.slice('ITEM-'.length)) : 0));

      // The killed process may have held the outbox lock, and left a half-written temporary file. (In this process,
      // to keep 40 rounds quick: it takes locks exactly as the bin does.)
      // One more of ITEM-1 (queued before the kill, as the loop above waited for): never a new line, so the cart's
      // 100-line limit cannot refuse it however many lines the killed run left queued.
      const next = await runShop(['cart', 'add', 'ITEM-1'], { server: server.url, configDir: dir });
      expect(next.code, next.stderr).to.equal(0);
      return {
        reported,
        kept,
        afterNext: new Outbox(dir).read().pending.length,
        leftovers: (await readdir(dir)).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock')),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('keeps every change of many shop processes queueing at the same moment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shop-concurrent-'));
    try {
      await copyFile(join(login.path, 'credentials.json'), join(dir, 'credentials.json'));
      const env = { SHOP_SERVER: server.url, SHOP_CONFIG_DIR: dir };

      const runs = await Promise.all(Array.from({ length: 8 }, (_, index) => runShell(`shop cart add ITEM-${index + 1}`, env)));

      expect(runs.map((run) => run.code)).to.equal(Array.from({ length: 8 }, () => 0));
      const skus = new Outbox(dir).read().pending.map((entry) => ('sku' in entry.op ? entry.op.sku : ''));
      expect(skus.sort()).to.equal(Array.from({ length: 8 }, (_, index) => `ITEM-${index + 1}`).sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('always leaves an outbox that parses and holds every change it reported queued', async () => {
    const random = seededRandom(SEED);
    const delays = Array.from({ length: ROUNDS }, () => random.between(0, 250));
    const results: RoundResult[] = [];
    for (let start = 0; start < ROUNDS; start += PARALLEL) {
      results.push(...(await Promise.all(delays.slice(start, start + PARALLEL).map(crashRound))));
    }

    for (const [round, result] of results.entries()) {
      const context = `round ${round} (killed ${delays[round]} ms in)`;
      // Every line reported queued is there; more may be, written just before the kill; in order, none twice.
      expect(result.kept.slice(0, result.reported.length), context).to.equal(result.reported);
      expect(result.kept, context).to.equal(Array.from({ length: result.kept.length }, (_, index) => index + 1));
      expect(result.afterNext, context).to.equal(result.kept.length + 1);
      expect(result.leftovers, context).to.equal([]);
    }
    // The kills landed mid-stream, not only before the first write or after the last.
    expect(results.filter((result) => result.kept.length > 1 && result.kept.length < LINES).length).to.be.at.least(ROUNDS / 2);
  });
});
