import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { AccountExport } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell } from '../../helpers/cli-binary.js';
import { runInTerminal } from '../../helpers/terminal.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

const NEW_PASSWORD = 'a brand new passphrase';

describe('shop account in a real terminal and in pipelines', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  const sh = (commandLine: string) => runShell(commandLine, env);
  const register = async (): Promise<string> => {
    const email = uniqueEmail('pty');
    const run = await sh(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin`);
    expect(run.code, run.stderr).to.equal(0);
    return email;
  };

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

  it('changes the password at masked prompts, the new one asked twice', async () => {
    const email = await register();
    const run = await runInTerminal(['account', 'password'], env, [
      { prompt: 'Current password:', keys: `${TEST_PASSWORD}\r` },
      { prompt: 'New password:', keys: `${NEW_PASSWORD}\r` },
      { prompt: 'Repeat the new password:', keys: `${NEW_PASSWORD}\r` },
    ]);
    expect(run.code, run.screen).to.equal(0);
    expect(run.screen).to.contain('Changed the password');
    expect(run.screen).to.contain('•'.repeat(NEW_PASSWORD.length));
    expect(run.screen).to.not.contain(TEST_PASSWORD);
    expect(run.screen).to.not.contain(NEW_PASSWORD);
    const login = await sh(`printf '%s\\n' '${NEW_PASSWORD}' | shop login --email ${email} --password-stdin`);
    expect(login.code, login.stderr).to.equal(0);
  });

  it('deletes the account once its email is typed back and the password given', async () => {
    const email = await register();
    const run = await runInTerminal(['account', 'delete'], env, [
      { prompt: `Type ${email} to confirm:`, keys: `${email}\r` },
      { prompt: 'Password:', keys: `${TEST_PASSWORD}\r` },
    ]);
    expect(run.code, run.screen).to.equal(0);
    expect(run.screen).to.contain(`Deleted the account ${email}`);
    expect(run.screen).to.not.contain(TEST_PASSWORD);
    expect(await api.store.users.findByEmail(email)).to.be.null();
    expect((await sh('shop whoami')).code).to.equal(4);
  });

  it('exits 130 and deletes nothing when Ctrl-C is pressed at the confirmation', async () => {
    const email = await register();
    const run = await runInTerminal(['account', 'delete'], env, [{ prompt: `Type ${email} to confirm:`, keys: '\u0003' }]);
    expect(run.code, run.screen).to.equal(130);
    expect(await api.store.users.findByEmail(email)).to.exist();
  });

  it('changes the password, exports and deletes in a pipeline', async () => {
    const email = await register();
    const change = await sh(`printf '%s\\n%s\\n' '${TEST_PASSWORD}' '${NEW_PASSWORD}' | shop account password --password-stdin`);
    expect(change.code, change.stderr).to.equal(0);

    const exported = await sh('shop account export > "$SHOP_CONFIG_DIR/me.json"');
    expect(exported.code, exported.stderr).to.equal(0);
    expect(exported.stdout).to.equal('');
    const document = JSON.parse(await readFile(join(dir.path, 'me.json'), 'utf8')) as AccountExport;
    expect(document.account.email).to.equal(email);

    const refused = await sh('shop account delete --password-stdin < /dev/null');
    expect(refused.code).to.equal(2);
    const deleted = await sh(`printf '%s\\n' '${NEW_PASSWORD}' | shop account delete --yes --password-stdin`);
    expect(deleted.code, deleted.stderr).to.equal(0);
    expect(await api.store.users.findByEmail(email)).to.be.null();
  });
});
