import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { GUEST_NOTICE } from '../../../cli/commands/auth/guest.js';
import { GUEST_HINT } from '../../../cli/errors.js';
import type { StatusReport } from '../../../cli/views/status.js';
import type { Cart, GuestMergeReport, Me } from '../../../shared/wire.js';
import { makeConfigDir, parseJson, registerWithCli, runShop, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { useLinkedCli } from '../../helpers/linked-cli.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('shop as a guest', () => {
  const cli = useLinkedCli(lab);
  const { shop } = cli;
  /** The stored login's user id, checking it is a guest's (no email). */
  const guestId = async (): Promise<string> => {
    const stored = JSON.parse(await readFile(join(cli.dir.path, 'credentials.json'), 'utf8')) as Record<string, { email: string | null }>;
    expect(stored[cli.link.url]!.email).to.be.null();
    return cli.userId();
  };


  it('becomes a guest on the first cart add when logged out, and says so once on stderr', async () => {
    const first = await shop(['cart', 'add', 'MUG-BLUE', '2']);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr.split('\n').filter((line) => line === GUEST_NOTICE)).to.have.length(1);
    const second = await shop(['cart', 'add', 'MUG-BLUE']);
    expect(second.code).to.equal(0);
    expect(second.stderr).to.not.contain(GUEST_NOTICE);

    const whoami = await shop(['whoami', '--json']);
    expect(parseJson<Me>(whoami)).to.include({ email: null, guest: true });
    const status = await shop(['status', '--json']);
    expect(parseJson<StatusReport>(status)).to.include({ guest: true, user: null, login: 'valid' });
    const cart = parseJson<Cart>(await shop(['cart', 'list', '--json']));
    expect(cart.lines.map((line) => [line.sku, line.quantity])).to.equal([['MUG-BLUE', 3]]);
  });

  it('forgets a guest the server expired, and the next cart add starts a new one', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);
    const first = await guestId();
    expect(await cli.api.store.users.deleteIdleGuests(new Date(Date.now() + 60 * 24 * 3600 * 1000))).to.be.at.least(1);

    const list = await shop(['cart', 'list', '--online']);
    expect(list.code).to.equal(4);
    expect(list.stderr).to.contain('(GUEST_EXPIRED); `shop cart add` starts a new guest cart, or run `shop login`');
    const again = await shop(['cart', 'add', 'MUG-BLUE']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.contain(GUEST_NOTICE);
    expect(await guestId()).to.not.equal(first);
  });

  it('stops with exit 3 and one line when logged out and the server cannot be reached', async () => {
    await cli.link.cut();
    const run = await shop(['cart', 'add', 'MUG-BLUE']);
    expect(run.code).to.equal(3);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.contain('cannot be reached to start a guest cart');
  });

  it('tells a guest to register or log in before checkout or orders, with exit 4', async () => {
    await shop(['cart', 'add', 'MUG-BLUE']);
    for (const argv of [['checkout', '--yes'], ['orders', 'list'], ['orders', 'show', '00000000-0000-4000-8000-000000000000']]) {
      const run = await shop(argv);
      expect(run.code, argv.join(' ')).to.equal(4);
      expect(run.stderr).to.equal(`shop: ${GUEST_HINT}\n`);
    }
  });

  it('merges the guest cart into a new account at register, and says what it did', async () => {
    await shop(['cart', 'add', 'MUG-BLUE', '2']);
    const guest = await guestId();
    const email = uniqueEmail('guest');
    const run = await shop(['register', '--email', email, '--password-stdin', '--json'], { stdin: `${TEST_PASSWORD}\n` });
    expect(run.code, run.stderr).to.equal(0);
    const body = parseJson<{ email: string; merge: GuestMergeReport }>(run);
    expect(body.email).to.equal(email);
    expect(body.merge.added).to.equal([{ sku: 'MUG-BLUE', quantity: 2, total: 2 }]);
    expect(run.stderr).to.contain('Added 2 units of MUG-BLUE from the guest cart (now 2).');
    expect(await cli.api.store.users.findById(guest)).to.be.null();
    const cart = parseJson<Cart>(await shop(['cart', 'list', '--json']));
    expect(cart.lines.map((line) => [line.sku, line.quantity])).to.equal([['MUG-BLUE', 2]]);
    expect((await shop(['whoami'])).stdout).to.equal(`${email}\n`);
  });

  it('merges at login, capping a line at 99, and prints the report in plain lines and in --json', async () => {
    const account = await makeConfigDir();
    try {
      const email = await registerWithCli(cli.link.url, account.path);
      expect((await runShop(['cart', 'add', 'MUG-BLUE', '98'], { server: cli.link.url, configDir: account.path })).code).to.equal(0);
      await shop(['cart', 'add', 'MUG-BLUE', '5']);
      await shop(['prefs', 'set', 'locale', 'en-GB']);

      const run = await shop(['login', '--email', email, '--password-stdin', '--json'], { stdin: `${TEST_PASSWORD}\n` });
      expect(run.code, run.stderr).to.equal(0);
      const merge = parseJson<{ merge: GuestMergeReport }>(run).merge;
      expect(merge.capped).to.equal([{ sku: 'MUG-BLUE', wanted: 103, kept: 99 }]);
      expect(merge.preferences.filled).to.equal(['locale']);
      expect(run.stderr).to.contain('Capped MUG-BLUE at 99: the carts together held 103.');
      expect(run.stderr).to.contain('Preferences taken from the guest: locale.');
      const cart = parseJson<Cart>(await shop(['cart', 'list', '--json']));
      expect(cart.lines.map((line) => [line.sku, line.quantity])).to.equal([['MUG-BLUE', 99]]);
    } finally {
      await account.remove();
    }
  });

  it('queues a guest’s changes offline and takes them along when it logs in', async () => {
    const account = await makeConfigDir();
    try {
      const email = await registerWithCli(cli.link.url, account.path);
      await shop(['cart', 'add', 'MUG-BLUE']);
      await cli.link.cut();
      const queued = await shop(['cart', 'add', 'MUG-BLUE', '3']);
      expect(queued.code, queued.stderr).to.equal(0);
      await cli.link.restore();

      const run = await shop(['login', '--email', email, '--password-stdin', '--json'], { stdin: `${TEST_PASSWORD}\n` });
      expect(run.code, run.stderr).to.equal(0);
      expect(parseJson<{ merge: GuestMergeReport }>(run).merge.added).to.equal([{ sku: 'MUG-BLUE', quantity: 4, total: 4 }]);
      const queue = await shop(['queue', 'list', '--json']);
      expect(queue.stdout).to.not.contain('MUG-BLUE');
    } finally {
      await account.remove();
    }
  });

  it('saves the merged cart and preferences at login, so the next view uses the guest’s locale, even offline', async () => {
    const account = await makeConfigDir();
    try {
      const email = await registerWithCli(cli.link.url, account.path);
      expect((await runShop(['cart', 'add', 'MUG-WHITE', '1'], { server: cli.link.url, configDir: account.path })).code).to.equal(0);
      await shop(['cart', 'add', 'MUG-BLUE', '2']);
      await shop(['prefs', 'set', 'locale', 'de-DE']);
      expect((await shop(['login', '--email', email, '--password-stdin'], { stdin: `${TEST_PASSWORD}\n` })).code).to.equal(0);

      await cli.link.cut();
      const offline = await shop(['cart'], { env: { LANG: 'en_GB.UTF-8' }, tty: { stdout: true } });
      expect(offline.code, offline.stderr).to.equal(0);
      expect(offline.stdout).to.contain('MUG-WHITE');
      expect(offline.stdout).to.contain('29,80\u00a0€');
    } finally {
      await account.remove();
    }
  });
});
