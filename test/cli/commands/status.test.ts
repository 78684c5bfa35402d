import { readFile } from 'node:fs/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { StatusReport } from '../../../cli/views/status.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { hasEscapeCodes, makeConfigDir, parseJson, registerWithCli, runShop, TEST_PASSWORD } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

describe('shop status', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };

  before(async () => {
    api = await startApiServer();
  });

  after(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('reports the server, that it answers, who is logged in, the expiry and where the token is kept', async () => {
    const email = await registerWithCli(api.url, dir.path);

    const run = await runShop(['status', '--json'], { server: api.url, configDir: dir.path });

    expect(run.code).to.equal(0);
    const report = parseJson<StatusReport>(run);
    expect(report).to.include({
      server: api.url,
      serverSource: 'env',
      reachable: true,
      problem: null,
      user: email,
      tokenSource: 'store',
      tokenExpired: false,
      refreshable: true,
      credentialsFile: `${dir.path}/credentials.json`,
    });
    expect(Date.parse(report.tokenExpiresAt!)).to.be.above(Date.now());
  });

  it('says nobody is logged in, and exits 4', async () => {
    const run = await runShop(['status', '--json'], { server: api.url, configDir: dir.path });

    expect(run.code).to.equal(4);
    expect(parseJson<StatusReport>(run)).to.include({ user: null, login: 'none', tokenSource: null, tokenExpiresAt: null });
    expect(run.stderr).to.equal(`shop: not logged in to ${api.url}; run \`shop login\`\n`);
  });

  it('says the login was checked with the server', async () => {
    await registerWithCli(api.url, dir.path);

    const run = await runShop(['status', '--json'], { server: api.url, configDir: dir.path });

    expect(run.code).to.equal(0);
    expect(parseJson<StatusReport>(run)).to.include({ login: 'valid', loginProblem: null });
  });

  it('reports a login revoked on another machine, and exits 4', async () => {
    const email = await registerWithCli(api.url, dir.path);
    const other = await makeConfigDir();
    try {
      await runShop(['login', '--email', email, '--password-stdin'], { server: api.url, configDir: other.path, stdin: `${TEST_PASSWORD}\n` });
      const logout = await runShop(['logout', '--all'], { server: api.url, configDir: other.path });
      expect(logout.code, logout.stderr).to.equal(0);

      const run = await runShop(['status', '--json'], { server: api.url, configDir: dir.path });

      expect(run.code).to.equal(4);
      expect(parseJson<StatusReport>(run)).to.include({ reachable: true, login: 'rejected' });
      expect(run.stderr).to.startWith('shop: the server refused the login: ');
      expect(run.stderr).to.endWith('; run `shop login`\n');
    } finally {
      await other.remove();
    }
  });

  it('says when the token comes from SHOP_TOKEN, and whose it is', async () => {
    const other = await makeConfigDir();
    try {
      const email = await registerWithCli(api.url, other.path);
      const stored = JSON.parse(await readFile(`${other.path}/credentials.json`, 'utf8')) as Record<string, { accessToken: string }>;

      const run = await runShop(['status', '--json'], {
        server: api.url,
        configDir: dir.path,
        env: { SHOP_TOKEN: stored[api.url]!.accessToken },
      });

      expect(parseJson<StatusReport>(run)).to.include({ tokenSource: 'SHOP_TOKEN', user: email, refreshable: false });
    } finally {
      await other.remove();
    }
  });

  it('reports an unreachable server, naming it, says the login is unchecked, and exits 3', async () => {
    await registerWithCli(api.url, dir.path);

    const run = await runShop(['status', '--server', 'http://127.0.0.1:9'], { server: api.url, configDir: dir.path });

    expect(run.code).to.equal(3);
    expect(run.stdout).to.contain('reachable\tfalse\n');
    expect(run.stderr).to.equal('shop: cannot reach the shop server at http://127.0.0.1:9: connection refused; the login could not be checked\n');
  });

  it('draws a summary without colour codes under NO_COLOR on a terminal', async () => {
    await registerWithCli(api.url, dir.path);

    const run = await runShop(['status'], { server: api.url, configDir: dir.path, tty: true, env: { NO_COLOR: '1' } });

    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/Server\s+http:\/\/127\.0\.0\.1:\d+ \(from SHOP_SERVER\)/);
    expect(run.stdout).to.match(/Reachable\s+yes/);
    expect(run.stdout).to.match(/Token\s+valid until [^(\n]*\d{1,2}:\d{2}[^(\n]* \(in \d+ min\)/);
    expect(hasEscapeCodes(run.stdout)).to.be.false();
  });
});
