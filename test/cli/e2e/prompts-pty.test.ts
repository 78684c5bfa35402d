import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { Cart } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, parseJson, registerWithCli, runShop, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt } from '../../helpers/cli-binary.js';
import { type NetworkLink, openNetworkLink } from '../../helpers/cli-network.js';
import { runInPty } from '../../helpers/pty.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

/** After `shop` exits, the shell reads what is left of the typed input for a second and shows it. */
const THEN_SHOW_LEFTOVERS = 'echo "exit=$?"; IFS= read -r -t 1 rest; echo "left:[$rest]"';

describe('prompts in a real terminal', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  const cartLines = async () =>
    parseJson<Cart>(await runShop(['cart', 'list', '--json'], { server: api.url, configDir: dir.path })).lines.length;

  before(async () => {
    await ensureBuilt();
    api = await startApiServer();
  });

  after(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
    env = { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path, NO_COLOR: '1' };
  });

  afterEach(async () => {
    await dir.remove();
  });

  describe('shop cart clear', () => {
    beforeEach(async () => {
      await registerWithCli(api.url, dir.path);
      await runShop(['cart', 'add', 'MUG-BLUE', '2'], { server: api.url, configDir: dir.path });
    });

    it('clears on "yes" typed key by key, and leaves nothing for the shell', async () => {
      const pty = runInPty(`shop cart clear; ${THEN_SHOW_LEFTOVERS}`, env);
      await pty.waitFor('(y/N)');

      await pty.type('yes\r', 80);

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain('Cleared the cart.');
      expect(pty.output()).to.contain('exit=0');
      expect(pty.output()).to.contain('left:[]');
      expect(await cartLines()).to.equal(0);
    });

    it('clears on "YES" pasted with its Enter in one chunk', async () => {
      const pty = runInPty(`shop cart clear; ${THEN_SHOW_LEFTOVERS}`, env);
      await pty.waitFor('(y/N)');

      await pty.paste('YES\r');

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain('Cleared the cart.');
      expect(await cartLines()).to.equal(0);
    });

    it('answers no only on Enter after "n", and the Enter does not reach the shell', async () => {
      const pty = runInPty(`shop cart clear; ${THEN_SHOW_LEFTOVERS}`, env);
      await pty.waitFor('(y/N)');

      await pty.type('n');
      expect(pty.output()).to.not.contain('Left the cart');
      await pty.type('\r');

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain('Left the cart as it was.');
      expect(pty.output()).to.contain('left:[]');
      expect(await cartLines()).to.equal(1);
    });

    it('asks again when the answer is neither yes nor no', async () => {
      const pty = runInPty(`shop cart clear; ${THEN_SHOW_LEFTOVERS}`, env);
      await pty.waitFor('(y/N)');

      await pty.paste('maybe\r');
      await pty.waitFor('answer y or n');
      await pty.paste('y\r');

      expect(await pty.exited).to.equal(0);
      expect(await cartLines()).to.equal(0);
    });

    it('exits 130 on Ctrl-C and leaves the cart alone', async () => {
      const pty = runInPty(`shop cart clear; ${THEN_SHOW_LEFTOVERS}`, env);
      await pty.waitFor('(y/N)');

      await pty.type('y\u0003');

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain('exit=130');
      expect(await cartLines()).to.equal(1);
    });
  });

  describe('shop login', () => {
    let email: string;

    beforeEach(async () => {
      const other = await makeConfigDir();
      email = await registerWithCli(api.url, other.path);
      await other.remove();
    });

    it('takes a pasted email⏎password⏎ in one chunk', async () => {
      const pty = runInPty('shop login', env);
      await pty.waitFor('Email:');

      await pty.paste(`${email}\r${TEST_PASSWORD}\r`);

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain(`as ${email}`);
      expect(pty.output()).to.not.contain(TEST_PASSWORD);
    });

    it('keeps what was typed before the prompt appeared', async () => {
      const pty = runInPty('shop login', env);

      await pty.paste(`${email}\n${TEST_PASSWORD}\n`);

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain(`as ${email}`);
    });

    it('edits the line with Backspace, Ctrl-U, Ctrl-W, arrows, Home and End', async () => {
      const pty = runInPty('shop login', env);
      await pty.waitFor('Email:');

      const [local, domain] = email.split('@') as [string, string];
      await pty.type('nonsense\u0015'); // Ctrl-U: all gone
      await pty.type('some words\u0017\u0017'); // Ctrl-W twice: both words gone
      await pty.type(`${local.slice(1)}@${domain}xx\u007f\u007f`); // Backspace twice
      await pty.type('\u001b[H'); // Home
      await pty.type(local.slice(0, 1));
      await pty.type('\u001b[F\r'); // End, Enter
      await pty.waitFor('Password:');
      await pty.type(`${TEST_PASSWORD}Z\u001b[D\u001b[3~\u001b[C\r`, 5); // ←, Delete: the Z goes

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain(`as ${email}`);
    });

    it('says why a wrong password was refused and exits 4, as for every 401', async () => {
      const pty = runInPty('shop login', env);
      await pty.waitFor('Email:');

      await pty.paste(`${email}\rnot the password\r`);

      expect(await pty.exited).to.equal(4);
      expect(pty.output()).to.contain('shop: ');
    });
  });

  describe('shop register', () => {
    it('asks for the password again when the two differ', async () => {
      const email = uniqueEmail('pty');
      const pty = runInPty('shop register', env);
      await pty.waitFor('Email:');

      await pty.paste(`${email}\r${TEST_PASSWORD}\rsomething else\r`);
      await pty.waitFor('the passwords do not match');
      await pty.paste(`${TEST_PASSWORD}\r${TEST_PASSWORD}\r`);

      expect(await pty.exited).to.equal(0);
      expect(pty.output()).to.contain(`as ${email}`);
    });
  });

  describe('shop sync for a device the server forgot', () => {
    let link: NetworkLink;
    const viaLink = (argv: string[]) => runShop(argv, { server: link.url, configDir: dir.path });
    const storedCart = async () =>
      parseJson<Cart>(await viaLink(['cart', 'list', '--json'])).lines.map((line) => `${line.sku}×${line.quantity}`);

    beforeEach(async () => {
      link = await openNetworkLink(api.url);
      env = { ...env, SHOP_SERVER: link.url };
      await registerWithCli(link.url, dir.path);
      // One change synced, so the server knows this device; then the server forgets it (as eviction does) while a
      // second change waits in the queue.
      await link.cut();
      await viaLink(['cart', 'add', 'MUG-BLUE']);
      await link.restore();
      expect((await viaLink(['sync'])).code).to.equal(0);
      const me = parseJson<{ id: string }>(await viaLink(['whoami', '--json']));
      const [device] = await api.store.devices.list(me.id);
      await api.store.devices.remove(me.id, device!.deviceId);
      await link.cut();
      await viaLink(['cart', 'add', 'CAP-NAVY']);
      await link.restore();
    });

    afterEach(async () => {
      await link.close();
    });

    it('asks before sending the queued changes again, and sends them on "y"', async () => {
      const pty = runInPty('shop sync', env);
      await pty.waitFor('Send them again anyway?');

      await pty.type('y\r');

      expect(await pty.exited).to.equal(0);
      expect(await storedCart()).to.equal(['MUG-BLUE×1', 'CAP-NAVY×1']);
    });

    it('keeps them in the failed list on Enter alone, and applies none of them', async () => {
      const pty = runInPty('shop sync', env);
      await pty.waitFor('Send them again anyway?');

      await pty.type('\r');

      expect(await pty.exited).to.equal(1);
      expect(await storedCart()).to.equal(['MUG-BLUE×1']);
      const queue = parseJson<{ failed: { code: string }[] }>(await viaLink(['queue', '--json']));
      expect(queue.failed.map((entry) => entry.code)).to.equal(['DEVICE_UNKNOWN']);
    });
  });
});
