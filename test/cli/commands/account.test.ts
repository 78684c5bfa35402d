import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { StoredCredentials } from '../../../cli/store/config-store.js';
import { Outbox } from '../../../cli/store/outbox.js';
import type { AccountExport } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, parseJson, registerWithCli, runShop, type RunShopOptions, TEST_PASSWORD } from '../../helpers/cli.js';
import { openNetworkLink } from '../../helpers/cli-network.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

const NEW_PASSWORD = 'a brand new passphrase';

describe('shop account', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let otherDir: { path: string; remove(): Promise<void> };
  const shop = (argv: string[], options: Omit<RunShopOptions, 'configDir' | 'server'> = {}) =>
    runShop(argv, { ...options, server: api.url, configDir: dir.path });
  /** Another machine logged in to the same account. */
  const elsewhere = (argv: string[], options: Omit<RunShopOptions, 'configDir' | 'server'> = {}) =>
    runShop(argv, { ...options, server: api.url, configDir: otherDir.path });
  const file = (name: string): Promise<string> => readFile(join(dir.path, name), 'utf8').catch(() => '');

  before(async () => {
    api = await startApiServer();
  });

  after(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
    otherDir = await makeConfigDir();
  });

  afterEach(async () => {
    await Promise.all([dir.remove(), otherDir.remove()]);
  });

  describe('password', () => {
    it('changes the password from two piped lines, stays logged in here and logs the other machine out', async () => {
      const email = await registerWithCli(api.url, dir.path);
      expect((await elsewhere(['login', '--email', email, '--password-stdin'], { stdin: `${TEST_PASSWORD}\n` })).code).to.equal(0);
      const before = await file('credentials.json');

      const run = await shop(['account', 'password', '--password-stdin'], { stdin: `${TEST_PASSWORD}\n${NEW_PASSWORD}\n` });

      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.contain(`Changed the password of ${email}`);
      expect(run.stderr + run.stdout).to.not.contain(NEW_PASSWORD);
      expect(await file('credentials.json')).to.not.equal(before);
      expect((await shop(['whoami', '--online'])).stdout).to.equal(`${email}\n`);
      const other = await elsewhere(['whoami', '--online']);
      expect(other.code).to.equal(4);
      expect(other.stderr).to.contain('TOKEN_REVOKED');
      expect((await elsewhere(['login', '--email', email, '--password-stdin'], { stdin: `${NEW_PASSWORD}\n` })).code).to.equal(0);
    });

    it('says the current password is wrong with the server code and exits 1, changing nothing', async () => {
      await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'password', '--password-stdin'], { stdin: `not it at all\n${NEW_PASSWORD}\n` });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain('PASSWORD_INCORRECT');
      expect((await shop(['whoami', '--online'])).code).to.equal(0);
    });

    it('needs exactly two lines on stdin', async () => {
      await registerWithCli(api.url, dir.path);
      for (const stdin of [`${TEST_PASSWORD}\n`, `${TEST_PASSWORD}\n${NEW_PASSWORD}\nmore\n`, `${TEST_PASSWORD}\n\n`]) {
        const run = await shop(['account', 'password', '--password-stdin'], { stdin });
        expect(run.code, stdin).to.equal(2);
        expect(run.stderr).to.contain('two lines');
      }
    });

    it('refuses a new password that is too short or the same, before asking the server', async () => {
      await registerWithCli(api.url, dir.path);
      const short = await shop(['account', 'password', '--password-stdin'], { stdin: `${TEST_PASSWORD}\nshort\n` });
      expect(short.code).to.equal(1);
      expect(short.stderr).to.contain('8 to 256 characters');
      const same = await shop(['account', 'password', '--password-stdin'], { stdin: `${TEST_PASSWORD}\n${TEST_PASSWORD}\n` });
      expect(same.code).to.equal(1);
      expect(same.stderr).to.contain('same as the current one');
    });

    it('needs --password-stdin when not on a terminal, and a login first', async () => {
      const notLoggedIn = await shop(['account', 'password', '--password-stdin'], { stdin: `${TEST_PASSWORD}\n${NEW_PASSWORD}\n` });
      expect(notLoggedIn.code).to.equal(4);
      await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'password']);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain('--password-stdin');
    });

    it('asks for the current password and the new one twice on a terminal, masked', async () => {
      const email = await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'password'], {
        tty: true,
        env: { NO_COLOR: '1' },
        answers: [
          { prompt: 'Current password:', keys: `${TEST_PASSWORD}\r` },
          { prompt: 'New password:', keys: `${NEW_PASSWORD}\r` },
          { prompt: 'Repeat the new password:', keys: `${NEW_PASSWORD}\r` },
        ],
      });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.not.contain(NEW_PASSWORD);
      expect((await elsewhere(['login', '--email', email, '--password-stdin'], { stdin: `${NEW_PASSWORD}\n` })).code).to.equal(0);
    });

    it('asks for the new password again when the repetition differs, and changes it only once they match', async () => {
      const email = await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'password'], {
        tty: true,
        env: { NO_COLOR: '1' },
        answers: [
          { prompt: 'Current password:', keys: `${TEST_PASSWORD}\r` },
          { prompt: 'New password:', keys: `${NEW_PASSWORD}\r` },
          { prompt: 'Repeat the new password:', keys: 'something else\r' },
          { prompt: 'New password:', keys: `${NEW_PASSWORD}\r` },
          { prompt: 'Repeat the new password:', keys: `${NEW_PASSWORD}\r` },
        ],
      });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.contain('do not match');
      expect((await elsewhere(['login', '--email', email, '--password-stdin'], { stdin: `${NEW_PASSWORD}\n` })).code).to.equal(0);
    });
  });

  describe('delete', () => {
    it('deletes with --yes and --password-stdin, then forgets the login, queued changes and saved copies here', async () => {
      const email = await registerWithCli(api.url, dir.path);
      expect((await shop(['cart', 'add', 'MUG-BLUE', '2'])).code).to.equal(0);
      expect((await shop(['prefs', 'set', 'currency', 'EUR'])).code).to.equal(0);
      expect(await file('cache.json')).to.contain('MUG-BLUE');
      const me = parseJson<{ id: string }>(await shop(['whoami', '--json']));

      const run = await shop(['account', 'delete', '--yes', '--password-stdin', '--json'], { stdin: `${TEST_PASSWORD}\n` });

      expect(run.code, run.stderr).to.equal(0);
      expect(parseJson(run)).to.equal({ server: api.url, id: me.id, email, droppedChanges: 0, deleted: true });
      expect(await file('credentials.json')).to.not.contain(email);
      expect(await file('cache.json')).to.not.contain(me.id);
      expect((await shop(['whoami'])).code).to.equal(4);
      expect(await api.store.users.findByEmail(email)).to.be.null();
    });

    it('drops the changes still queued for the deleted account', async () => {
      // Through a link the test cuts, so a change is queued for this very server and account.
      const link = await openNetworkLink(api.url);
      try {
        const viaLink = (argv: string[], options: Omit<RunShopOptions, 'configDir' | 'server'> = {}) =>
          runShop(argv, { ...options, server: link.url, configDir: dir.path });
        const email = await registerWithCli(link.url, dir.path);
        await link.cut();
        expect((await viaLink(['cart', 'add', 'MUG-BLUE'])).stderr).to.contain('queued');
        await link.restore();

        const run = await viaLink(['account', 'delete', '--yes', '--password-stdin'], { stdin: `${TEST_PASSWORD}\n` });

        expect(run.code, run.stderr).to.equal(0);
        expect(run.stderr).to.contain('1 queued change of the account dropped');
        expect(new Outbox(dir.path).read().pending).to.equal([]);
        expect(await api.store.users.findByEmail(email)).to.be.null();
      } finally {
        await link.close();
      }
    });

    it('needs --yes when not on a terminal, and deletes nothing without it', async () => {
      const email = await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'delete', '--password-stdin'], { stdin: `${TEST_PASSWORD}\n` });
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain('--yes');
      expect(await api.store.users.findByEmail(email)).to.exist();
    });

    it('needs --password-stdin when not on a terminal', async () => {
      await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'delete', '--yes']);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain('--password-stdin');
    });

    it('keeps everything when the password is wrong', async () => {
      const email = await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'delete', '--yes', '--password-stdin'], { stdin: 'not it at all\n' });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain('PASSWORD_INCORRECT');
      expect(await file('credentials.json')).to.contain(email);
      expect(await api.store.users.findByEmail(email)).to.exist();
    });

    it('asks for the email to be typed back on a terminal, then the password', async () => {
      const email = await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'delete'], {
        tty: true,
        env: { NO_COLOR: '1' },
        answers: [
          { prompt: `Type ${email} to confirm:`, keys: `${email}\r` },
          { prompt: 'Password:', keys: `${TEST_PASSWORD}\r` },
        ],
      });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.contain('It cannot be undone');
      expect(await api.store.users.findByEmail(email)).to.be.null();
    });

    it('deletes nothing when another email is typed back', async () => {
      const email = await registerWithCli(api.url, dir.path);
      const run = await shop(['account', 'delete'], {
        tty: true,
        env: { NO_COLOR: '1' },
        answers: [{ prompt: `Type ${email} to confirm:`, keys: 'someone@example.test\r' }],
      });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain('nothing was deleted');
      expect(await api.store.users.findByEmail(email)).to.exist();
    });
  });

  describe('export', () => {
    it('prints the one JSON document the server holds, and no token', async () => {
      const email = await registerWithCli(api.url, dir.path);
      expect((await shop(['cart', 'add', 'MUG-BLUE', '2'])).code).to.equal(0);
      const run = await shop(['account', 'export']);
      expect(run.code, run.stderr).to.equal(0);
      const document = parseJson<AccountExport>(run);
      expect(document.account.email).to.equal(email);
      expect(document.cart.lines.map((line) => line.sku)).to.equal(['MUG-BLUE']);
      const stored = (JSON.parse(await file('credentials.json')) as Record<string, StoredCredentials>)[api.url]!;
      expect(run.stdout).to.not.contain(stored.accessToken);
      expect(run.stdout).to.not.contain(stored.refreshToken!);
      expect(run.stdout).to.not.contain(TEST_PASSWORD);
    });

    it('needs a login', async () => {
      const run = await shop(['account', 'export']);
      expect(run.code).to.equal(4);
      expect(run.stdout).to.equal('');
    });
  });
});
