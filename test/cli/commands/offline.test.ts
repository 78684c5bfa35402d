import { watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { Outbox, type OutboxState } from '../../../cli/store/outbox.js';
import type { Cart, Preferences } from '../../../shared/wire.js';
import { makeConfigDir, parseJson, registerWithCli, runShop, TEST_PASSWORD } from '../../helpers/cli.js';
import { useLinkedCli } from '../../helpers/linked-cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach } = lab;

type Sourced<T> = T & { source: 'server' | 'cache'; asOf?: string | null; pending?: number };
type Changed<T> = T & { status: 'applied' | 'queued'; id?: number; pending?: number };

describe('shop offline', () => {
  const cli = useLinkedCli(lab, { register: true });
  const { shop, userId } = cli;
  const outbox = (): OutboxState => new Outbox(cli.dir.path).read();
  /** The cart as the database holds it: `SKU×QTY`. */
  const storedCart = async (): Promise<string[]> =>
    (await cli.api.store.carts.get(await userId())).lines.map((line) => `${line.sku}×${line.quantity}`);

  describe('a change while the server cannot be reached', () => {
    it('is queued with its idempotency key, and the command succeeds saying so on stderr', async () => {
      await shop(['cart', 'add', 'MUG-BLUE']);
      await cli.link.cut();

      const run = await shop(['cart', 'add', 'MUG-BLUE', '2']);

      expect(run.code).to.equal(0);
      expect(run.stderr).to.equal('queued: server unreachable, 1 pending — run `shop sync`\n');
      expect(run.stdout).to.equal('MUG-BLUE\t3\t14.90\t44.70\tEUR\tEnamel Mug, Blue\n');
      const [entry] = outbox().pending;
      expect(entry).to.include({ id: 1, server: cli.link.url, userId: await userId(), email: cli.email, op: { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 2 } });
      expect(entry?.key).to.match(/^[0-9a-f-]{36}$/);
    });

    it('says "status": "queued" in --json, with its id and how many are pending', async () => {
      await shop(['prefs']);
      await cli.link.cut();
      await shop(['prefs', 'set', 'locale', 'de-DE']);

      const run = await shop(['prefs', 'set', 'newsletter', 'true', '--json']);

      expect(run.code).to.equal(0);
      expect(parseJson(run)).to.include({ key: 'newsletter', value: true, status: 'queued', id: 2, pending: 2 });
    });

    it('fails with exit 3 and queues nothing with --online', async () => {
      await cli.link.cut();

      const run = await shop(['cart', 'add', 'MUG-BLUE', '--online']);

      expect(run.code).to.equal(3);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.contain('cannot reach the shop server');
      expect(outbox().pending).to.equal([]);
    });

    it('still needs a login: exits 4 and queues nothing when nobody is logged in', async () => {
      await shop(['logout']);
      await cli.link.cut();

      const run = await shop(['cart', 'set', 'MUG-BLUE', '2']);

      expect(run.code).to.equal(4);
      expect(outbox().pending).to.equal([]);
    });

    it('starts no guest cart offline: cart add exits 3 and queues nothing when nobody is logged in', async () => {
      await shop(['logout']);
      await cli.link.cut();

      const run = await shop(['cart', 'add', 'MUG-BLUE']);

      expect(run.code).to.equal(3);
      expect(run.stderr).to.contain('cannot be reached to start a guest cart');
      expect(outbox().pending).to.equal([]);
    });

    it('queues each line of "cart add -", reporting each once it is on disk', async () => {
      await cli.link.cut();

      const run = await shop(['cart', 'add', '-', '--json'], { stdin: 'MUG-BLUE 2\nCAP-NAVY\n' });

      expect(run.code).to.equal(0);
      expect(run.stderr).to.equal(
        [
          'line 1: warning: MUG-BLUE is not in the saved catalogue; the server will check it when the change is sent',
          'line 1: queued MUG-BLUE 2',
          'line 2: warning: CAP-NAVY is not in the saved catalogue; the server will check it when the change is sent',
          'line 2: queued CAP-NAVY 1',
          'Queued 2 of 2 line(s).',
          'queued: server unreachable, 2 pending — run `shop sync`\n',
        ].join('\n'),
      );
      const batch = parseJson<{ added: number; queued: number; cart: Sourced<Cart> }>(run);
      expect(batch).to.include({ added: 0, queued: 2 });
      expect(batch.cart).to.include({ source: 'cache', asOf: null, pending: 2 });
      expect(outbox().pending.map((entry) => entry.op)).to.equal([
        { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 2 },
        { kind: 'cart.add', sku: 'CAP-NAVY', quantity: 1 },
      ]);
    });
  });

  describe('a read while the server cannot be reached', () => {
    it('shows the saved cart with queued changes applied, labelled stale with its time', async () => {
      await shop(['products', 'cap']);
      await shop(['cart', 'add', 'MUG-BLUE']);
      const online = parseJson<Sourced<Cart>>(await shop(['cart', '--json']));
      await cli.link.cut();
      await shop(['cart', 'add', 'CAP-NAVY', '2']);

      const run = await shop(['cart', '--json']);

      expect(online.source).to.equal('server');
      expect(run.code).to.equal(0);
      const cart = parseJson<Sourced<Cart>>(run);
      expect(cart).to.include({ source: 'cache', pending: 1, itemCount: 3, subtotal: 1490 + 4800 });
      expect(Date.parse(cart.asOf!)).to.be.below(Date.now() + 1);
      // For people: how long ago, in local time; the JSON keeps ISO 8601.
      expect(run.stderr).to.match(/^stale: server unreachable; showing the copy saved just now \([^)]*\d{1,2}:\d{2}[^)]*\), with 1 queued change applied\n$/);
    });

    it('shows a product never seen before with an empty price, rather than a wrong one', async () => {
      await shop(['cart']);
      await cli.link.cut();
      await shop(['cart', 'add', 'TOTE-CANVAS']);

      const run = await shop(['cart']);

      expect(run.stdout).to.equal('TOTE-CANVAS\t1\t\t\tEUR\t\n');
    });

    it('shows saved preferences, one preference, who you are and products the same way', async () => {
      await shop(['prefs', 'set', 'locale', 'en-GB']);
      await shop(['prefs']);
      await shop(['whoami']);
      await shop(['products', 'mug', '--limit', '2']);
      await cli.link.cut();
      await shop(['prefs', 'unset', 'locale']);

      const prefs = await shop(['prefs', '--json']);
      const locale = await shop(['prefs', 'get', 'locale']);
      const whoami = await shop(['whoami']);
      const products = await shop(['products', 'mug', '--limit', '2', '--json']);

      expect(parseJson<Sourced<Preferences>>(prefs)).to.include({ preferences: {}, source: 'cache', pending: 1 });
      expect([locale.code, locale.stderr]).to.equal([1, `shop: no preference named locale in the saved copy of your preferences (as of ${parseJson<Sourced<Preferences>>(prefs).asOf}); the server cannot be reached\n`]);
      expect([whoami.code, whoami.stdout]).to.equal([0, `${cli.email}\n`]);
      expect(whoami.stderr).to.startWith('stale: server unreachable; showing the copy saved ');
      expect(parseJson<Sourced<{ items: unknown[] }>>(products)).to.include({ source: 'cache', pending: 0 });
    });

    it('exits 1 with a clear message when there is no saved copy at all', async () => {
      await cli.link.cut();

      const run = await shop(['cart']);

      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.equal(`shop: cannot reach the shop server at ${cli.link.url}: connection refused, and there is no saved copy of your cart to show\n`);
    });

    it('fails with exit 3 rather than show the saved copy with --online', async () => {
      await shop(['cart']);
      await cli.link.cut();

      const run = await shop(['cart', '--online']);

      expect([run.code, run.stdout]).to.equal([3, '']);
    });
  });

  describe('shop sync', () => {
    it('sends the queue in order in one push, each change numbered in this device\'s sequence, a line per change, and empties it', async () => {
      await cli.link.cut();
      await shop(['cart', 'add', 'MUG-BLUE', '2']);
      await shop(['cart', 'set', 'MUG-BLUE', '5']);
      await shop(['prefs', 'set', 'locale', 'en-GB']);
      const seqs = outbox().pending.map((entry) => entry.seq);
      await cli.link.restore();

      const run = await shop(['sync', '--debug']);

      expect(run.code).to.equal(0);
      expect(run.stdout).to.equal('1\tsent\tcart add MUG-BLUE 2\t\t\n2\tsent\tcart set MUG-BLUE 5\t\t\n3\tsent\tprefs set locale en-GB\t\t\n');
      expect(run.stderr).to.contain('Sent 3, refused 0, still queued 0.\n');
      expect([...run.stderr.matchAll(/> POST \S+\/sync\/push/g)]).to.have.length(1);
      expect(seqs).to.equal([...seqs].sort((a, b) => (a ?? 0) - (b ?? 0)));
      expect(outbox()).to.include({ pending: [], failed: [] });
      expect(await storedCart()).to.equal(['MUG-BLUE×5']);
      expect(await cli.api.store.preferences.list(await userId())).to.equal({ locale: 'en-GB' });
      expect((await cli.api.store.devices.list(await userId())).map((device) => device.lastSeq)).to.equal([seqs.at(-1)]);
    });

    it('sends the queue quietly before the next command that reaches the server', async () => {
      await cli.link.cut();
      await shop(['cart', 'add', 'MUG-BLUE', '2']);
      await cli.link.restore();

      const run = await shop(['cart', 'add', 'CAP-NAVY']);

      expect(run.code).to.equal(0);
      expect(run.stderr).to.equal('Sent 1 queued change.\nAdded 1 × CAP-NAVY.\n');
      expect(await storedCart()).to.equal(['MUG-BLUE×2', 'CAP-NAVY×1']);
    });

    it('queues a change behind the ones still waiting rather than sending it ahead of them', async () => {
      await cli.link.cut();
      await shop(['cart', 'set', 'MUG-BLUE', '3']);

      const run = await shop(['cart', 'remove', 'MUG-BLUE']);
      await cli.link.restore();
      await shop(['sync']);

      expect(run.stderr).to.equal('queued: server unreachable, 2 pending — run `shop sync`\n');
      expect(await storedCart()).to.equal([]);
    });

    it('applies a change the server already has once, when its answer was lost and it is sent again', async () => {
      const first = await shop(['cart', 'add', 'MUG-BLUE', '--debug']);
      const key = /idempotency key (\S+)\)/.exec(first.stderr)![1]!;
      // As if the answer had been lost on the way back: the same change, with the same key, queued.
      await writeFile(
        join(cli.dir.path, 'outbox.json'),
        JSON.stringify({
          version: 1,
          nextId: 2,
          pending: [{ id: 1, key, op: { kind: 'cart.add', sku: 'MUG-BLUE', quantity: 1 }, server: cli.link.url, userId: await userId(), email: cli.email, queuedAt: new Date().toISOString() }],
          failed: [],
        }),
      );

      const run = await shop(['sync']);

      expect(run.code).to.equal(0);
      expect(await storedCart()).to.equal(['MUG-BLUE×1']);
    });

    it('moves a change the server refuses to the failed list with its reason, and sends the ones behind it', async () => {
      await cli.link.cut();
      await shop(['cart', 'add', 'NOPE-404']);
      await shop(['cart', 'add', 'MUG-BLUE']);
      await cli.link.restore();

      const run = await shop(['sync', '--json']);

      expect(run.code).to.equal(1);
      const report = parseJson<{ sent: number; failed: number; results: { status: string; code?: string }[] }>(run);
      expect(report).to.include({ sent: 1, failed: 1 });
      expect(report.results.map((result) => [result.status, result.code])).to.equal([['failed', 'SKU_NOT_FOUND'], ['sent', undefined]]);
      expect(run.stderr).to.contain('#1 cart add NOPE-404 1 was refused: No product with SKU NOPE-404 (SKU_NOT_FOUND); see `shop queue` to retry or drop it\n');
      expect(run.stderr).to.contain('shop: the server refused 1 queued change; see `shop queue`\n');
      expect(outbox().failed.map((entry) => [entry.id, entry.code])).to.equal([[1, 'SKU_NOT_FOUND']]);
      expect(await storedCart()).to.equal(['MUG-BLUE×1']);
    });

    it('reports a price that changed since the saved copy', async () => {
      await shop(['cart', 'add', 'CAP-NAVY']);
      await cli.link.cut();
      await shop(['cart', 'add', 'CAP-NAVY']);
      const cap = (await cli.api.store.products.get('CAP-NAVY'))!;
      await cli.api.store.products.upsert([{ ...cap, prices: { ...cap.prices, EUR: 2600 } }]);
      try {
        await cli.link.restore();

        const run = await shop(['sync']);

        expect(run.stderr).to.contain('price change: CAP-NAVY (Six-Panel Cap, Navy) is now €26.00, was €24.00\n');
      } finally {
        await cli.api.store.products.upsert([cap]);
      }
    });

    it('rewrites the outbox file once per batch of changes, not once per change', async () => {
      const changes = 150;
      const account = { server: cli.link.url, userId: await userId() };
      await new Outbox(cli.dir.path).update((state) => {
        for (let index = 0; index < changes; index += 1) {
          const op = { kind: 'cart.set' as const, sku: 'MUG-BLUE', quantity: (index % 9) + 1 };
          state.pending.push({ id: state.nextId++, key: `key-${index}`, op, ...account, email: cli.email, queuedAt: new Date().toISOString() });
        }
        return true;
      });
      // Every rewrite renames a new file over the old one.
      let rewrites = 0;
      const watcher = watch(cli.dir.path, (_event, name) => (rewrites += name === 'outbox.json' ? 1 : 0));
      try {
        const run = await shop(['sync']);
        await sleep(50);

        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout.trimEnd().split('\n')).to.have.length(changes);
      } finally {
        watcher.close();
      }

      expect(rewrites).to.be.within(1, changes / 10);
      expect(outbox()).to.include({ pending: [], failed: [] });
      expect(await storedCart()).to.equal([`MUG-BLUE×${((changes - 1) % 9) + 1}`]);
    });

    it('draws a progress bar on a terminal, then a summary alone; --verbose lists what it sent', async () => {
      // Loaded ahead, as the bar only appears once Ink has loaded and this sync is quick.
      await import('../../../cli/ui/index.js');
      await cli.link.cut();
      const run = await shop(['cart', 'add', '-'], { stdin: Array.from({ length: 30 }, () => 'MUG-BLUE').join('\n') });
      expect(run.code).to.equal(0);
      await cli.link.restore();

      const sync = await shop(['sync'], { tty: true, env: { NO_COLOR: '1' } });

      expect(sync.code).to.equal(0);
      expect(sync.stderr).to.match(/[█░]+ {2}\d+\/30 {2}Sending queued changes/);
      expect(sync.stdout).to.equal('');
      expect(sync.stderr).to.contain('Sent 30');
      expect(await storedCart()).to.equal(['MUG-BLUE×30']);

      await cli.link.cut();
      await shop(['cart', 'add', '-'], { stdin: 'MUG-BLUE\nMUG-BLUE' });
      await cli.link.restore();
      const verbose = await shop(['sync', '--verbose'], { tty: true, env: { NO_COLOR: '1' } });

      expect(verbose.stdout.trimEnd().split('\n')).to.equal(['✓ #31 cart add MUG-BLUE 1', '✓ #32 cart add MUG-BLUE 1']);
    });

    it('says there is nothing to send, and exits 0', async () => {
      const run = await shop(['sync']);

      expect(run).to.equal({ code: 0, stdout: '', stderr: 'Nothing to send.\n' });
    });

    it('exits 3 and keeps everything queued when the server is still unreachable', async () => {
      await cli.link.cut();
      await shop(['cart', 'add', 'MUG-BLUE']);

      const run = await shop(['sync']);

      expect(run.code).to.equal(3);
      expect(outbox().pending).to.have.length(1);
    });
  });

  describe('a login that expired or was revoked', () => {
    it('never loses the queue: it waits for shop login, which sends it', async () => {
      await cli.link.cut();
      await shop(['cart', 'add', 'MUG-BLUE', '2']);
      await cli.link.restore();
      const laptop = await makeConfigDir();
      try {
        // Logging out everywhere from another machine revokes this one's tokens too.
        await runShop(['login', '--email', cli.email, '--password-stdin'], { server: cli.link.url, configDir: laptop.path, stdin: TEST_PASSWORD });
        await runShop(['logout', '--all'], { server: cli.link.url, configDir: laptop.path });
      } finally {
        await laptop.remove();
      }

      const sync = await shop(['sync']);
      expect(sync.code).to.equal(4);
      expect(sync.stderr).to.contain('1 queued change waits for you to log in again as the same user; nothing is lost\n');
      expect(outbox().pending).to.have.length(1);

      const login = await shop(['login', '--email', cli.email, '--password-stdin'], { stdin: TEST_PASSWORD });

      expect(login.code).to.equal(0);
      expect(login.stderr).to.contain('Sent 1 queued change.\n');
      expect(outbox().pending).to.equal([]);
      expect(await storedCart()).to.equal(['MUG-BLUE×2']);
    });

    it('never sends one user\'s queued changes as another user', async () => {
      await cli.link.cut();
      await shop(['cart', 'add', 'MUG-BLUE']);
      const ada = await userId();
      const logout = await shop(['logout']);
      await cli.link.restore();
      const other = await makeConfigDir();
      const bob = await registerWithCli(cli.link.url, other.path);
      await other.remove();

      const login = await shop(['login', '--email', bob, '--password-stdin'], { stdin: TEST_PASSWORD });
      const sync = await shop(['sync']);

      expect(logout.stderr).to.contain(`1 queued change kept; sent after you log in again as ${cli.email}.\n`);
      expect(login.stderr).to.contain(`1 change queued by another user of ${cli.link.url} wait for that user to log in.\n`);
      expect(sync.stderr).to.contain('Nothing to send.');
      expect(await storedCart()).to.equal([]);
      expect(outbox().pending.map((entry) => entry.userId)).to.equal([ada]);
    });
  });

  describe('shop queue', () => {
    beforeEach(async () => {
      await cli.link.cut();
      await shop(['cart', 'add', 'NOPE-404']);
      await shop(['prefs', 'set', 'locale', 'en-GB']);
      await cli.link.restore();
      await shop(['sync']);
      await cli.link.cut();
      await shop(['cart', 'add', 'MUG-BLUE', '2']);
      await cli.link.restore();
    });

    it('lists the pending changes, then the refused ones, as stable tab-separated lines', async () => {
      const run = await shop(['queue']);

      expect(run.code).to.equal(0);
      const lines = run.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
      expect(lines.map(([id, state, , who, command, code]) => [id, state, who, command, code])).to.equal([
        ['3', 'pending', cli.email, 'cart add MUG-BLUE 2', ''],
        ['1', 'failed', cli.email, 'cart add NOPE-404 1', 'SKU_NOT_FOUND'],
      ]);
    });

    it('drops a change so it is never sent', async () => {
      const run = await shop(['queue', 'drop', '#3', '--json']);
      await shop(['sync']);

      expect(run.code).to.equal(0);
      expect(parseJson<{ dropped: { id: number }[] }>(run).dropped[0]?.id).to.equal(3);
      expect(await storedCart()).to.equal([]);
    });

    it('queues a refused change again with its key, and says which', async () => {
      const key = outbox().failed[0]?.key;

      const run = await shop(['queue', 'retry']);

      expect(run.code).to.equal(0);
      expect(run.stderr).to.startWith('Queued #1 cart add NOPE-404 1 again.\n');
      expect(outbox().pending.map((entry) => [entry.id, entry.key === key])).to.equal([
        [3, false],
        [1, true],
      ]);
    });

    it('exits 1 for an id it does not have, and 2 for something that is not an id', async () => {
      const unknown = await shop(['queue', 'drop', '42']);
      const malformed = await shop(['queue', 'drop', 'latest']);

      expect([unknown.code, unknown.stderr]).to.equal([1, 'shop: no queued change #42; see `shop queue`\n']);
      expect(malformed.code).to.equal(2);
    });
  });

  it('shows what is queued in shop status', async () => {
    await cli.link.cut();
    await shop(['cart', 'add', 'MUG-BLUE']);
    await cli.link.restore();

    const run = await shop(['status', '--json']);

    expect(parseJson(run)).to.include({ pendingChanges: 1, failedChanges: 0 });
  });

  describe('a device', () => {
    const queueAndSync = async (sku: string) => {
      await cli.link.cut();
      await shop(['cart', 'add', sku]);
      await cli.link.restore();
      return shop(['sync']);
    };

    it('is forgotten by the server and here at logout when nothing is queued', async () => {
      expect((await queueAndSync('MUG-BLUE')).code).to.equal(0);
      const id = await userId();
      expect(await cli.api.store.devices.list(id)).to.have.length(1);
      expect(outbox().devices).to.not.be.undefined();

      expect((await shop(['logout'])).code).to.equal(0);

      expect(await cli.api.store.devices.list(id)).to.equal([]);
      expect(outbox().devices).to.be.undefined();
    });

    it('the server forgot moves its queued changes to the failed list off a terminal, and applies none of them', async () => {
      expect((await queueAndSync('MUG-BLUE')).code).to.equal(0);
      const id = await userId();
      const [device] = await cli.api.store.devices.list(id);
      await cli.api.store.devices.remove(id, device!.deviceId); // as eviction does

      const run = await queueAndSync('CAP-NAVY');

      expect(run.code).to.equal(1);
      expect(outbox().pending).to.equal([]);
      expect(outbox().failed.map((entry) => [entry.op, entry.code])).to.equal([[{ kind: 'cart.add', sku: 'CAP-NAVY', quantity: 1 }, 'DEVICE_UNKNOWN']]);
      expect(outbox().failed[0]!.reason).to.contain('cannot tell whether this change was applied');
      expect(await storedCart()).to.equal(['MUG-BLUE×1']);
      expect(await cli.api.store.devices.list(id)).to.equal([]);

      // Retried at the user's word, it goes out as a new device.
      await shop(['queue', 'retry']);
      expect((await shop(['sync'])).code).to.equal(0);
      expect(await storedCart()).to.equal(['MUG-BLUE×1', 'CAP-NAVY×1']);
    });
  });
});

describe('a refused change retried later', () => {
  const cli = useLinkedCli(lab, { register: true });
  const { shop } = cli;

  it('is sent afresh with its old key, since the server keeps no record of a refusal', async () => {
    await cli.link.cut();
    await shop(['cart', 'add', 'MUG-BLUE', '60']);
    // Meanwhile another device fills the line: the server will refuse the queued add, which this one could not know.
    const userId = (await cli.api.store.users.findByEmail(cli.email))!.id;
    await cli.api.store.transaction(async (tx) => {
      await tx.carts.lock(userId);
      await tx.carts.setQuantity(userId, 'MUG-BLUE', 60, new Date());
      await tx.carts.bumpVersion(userId);
    });
    await cli.link.restore();
    expect((await shop(['sync'])).code).to.equal(1);
    await shop(['cart', 'set', 'MUG-BLUE', '1']);

    await shop(['queue', 'retry', '1']);
    const run = await shop(['sync', '--json']);

    expect(run.code).to.equal(0);
    expect(parseJson<Changed<{ sent: number }>>(run).sent).to.equal(1);
    expect(parseJson<Cart>(await shop(['cart', '--json'])).lines[0]?.quantity).to.equal(61);
  });
});
