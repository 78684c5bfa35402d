import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { StoredCredentials } from '../../../cli/store/config-store.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, registerWithCli, runShop, type RunShopOptions, TEST_PASSWORD } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

const ACCESS_TTL_SECONDS = 60;
const REFRESH_TTL_SECONDS = 3600;

describe('an expired login', () => {
  let api: RunningApiServer;
  /** How far the server's clock is ahead of the real one. */
  let serverAheadMs = 0;
  let dir: { path: string; remove(): Promise<void> };
  const shop = (argv: string[], options: Omit<RunShopOptions, 'configDir' | 'server'> = {}) =>
    runShop(argv, { ...options, server: api.url, configDir: dir.path });
  const credentials = async (): Promise<StoredCredentials | undefined> => {
    const text = await readFile(join(dir.path, 'credentials.json'), 'utf8');
    return (JSON.parse(text) as Record<string, StoredCredentials>)[api.url];
  };

  before(async () => {
    api = await startApiServer({
      accessTokenTtlSeconds: ACCESS_TTL_SECONDS,
      refreshTokenTtlSeconds: REFRESH_TTL_SECONDS,
      now: () => new Date(Date.now() + serverAheadMs),
    });
  });

  after(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    serverAheadMs = 0;
    dir = await makeConfigDir();
    await registerWithCli(api.url, dir.path);
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('is refreshed once and the request retried when the server says TOKEN_EXPIRED', async () => {
    const before = await credentials();
    serverAheadMs = (ACCESS_TTL_SECONDS + 5) * 1000;

    const run = await shop(['cart', 'add', 'MUG-BLUE', '--debug']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.startWith('MUG-BLUE\t1\t');
    expect(run.stderr.match(/< 401 POST \/cart\/items/g)).to.have.length(1);
    expect(run.stderr.match(/< 200 POST \/auth\/refresh/g)).to.have.length(1);
    expect(run.stderr.match(/< 200 POST \/cart\/items/g)).to.have.length(1);
    const after = await credentials();
    expect(after?.accessToken).to.not.equal(before?.accessToken);
    expect(after?.refreshToken).to.not.equal(before?.refreshToken);
  });

  it('is refreshed before the request when the local clock already says it has expired', async () => {
    serverAheadMs = (ACCESS_TTL_SECONDS + 5) * 1000;

    const run = await shop(['cart', '--debug'], { now: () => Date.now() + serverAheadMs });

    expect(run.code).to.equal(0);
    expect(run.stderr).to.not.contain('< 401');
    expect(run.stderr.match(/< 200 POST \/auth\/refresh/g)).to.have.length(1);
  });

  it('sends the same idempotency key when it retries a change after refreshing', async () => {
    serverAheadMs = (ACCESS_TTL_SECONDS + 5) * 1000;

    const run = await shop(['prefs', 'set', 'locale', 'en-GB', '--json', '--debug']);

    expect(run.code).to.equal(0);
    expect(JSON.parse(run.stdout)).to.equal({ key: 'locale', value: 'en-GB', status: 'applied' });
    const keys = [...run.stderr.matchAll(/> PUT \S+\/preferences\/locale \(idempotency key (\S+)\)/g)].map((match) => match[1]);
    expect(keys).to.have.length(2);
    expect(keys[0]).to.equal(keys[1]);
  });

  it('exits 4 and says to log in when the refresh token has expired too, and forgets the login', async () => {
    serverAheadMs = (REFRESH_TTL_SECONDS + 5) * 1000;

    const run = await shop(['cart']);

    expect(run.code).to.equal(4);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('run `shop login`');
    expect(run.stderr).to.contain('REFRESH_TOKEN_INVALID');
    expect(await credentials()).to.be.undefined();
  });

  it('exits 4 when a copy of the login was already refreshed elsewhere (refresh token reuse)', async () => {
    const stale = await readFile(join(dir.path, 'credentials.json'), 'utf8');
    serverAheadMs = (ACCESS_TTL_SECONDS + 5) * 1000;
    expect((await shop(['cart'])).code).to.equal(0);
    await writeFile(join(dir.path, 'credentials.json'), stale, { mode: 0o600 });

    const run = await shop(['cart']);

    expect(run.code).to.equal(4);
    expect(run.stderr).to.contain('REFRESH_TOKEN_REUSED');
  });

  it('is refreshed only once when several shop processes need it at the same moment', async () => {
    serverAheadMs = (ACCESS_TTL_SECONDS + 5) * 1000;

    const runs = await Promise.all(Array.from({ length: 4 }, () => shop(['cart', '--debug'])));

    expect(runs.map((run) => run.code)).to.equal([0, 0, 0, 0]);
    const refreshes = runs.map((run) => run.stderr.match(/< 200 POST \/auth\/refresh/g)?.length ?? 0);
    expect(refreshes.reduce((sum, count) => sum + count, 0)).to.equal(1);
  });

  it('exits 4 after logout --all revoked it, without trying to refresh', async () => {
    const laptop = await makeConfigDir();
    try {
      const email = (await credentials())!.email!;
      await runShop(['login', '--email', email, '--password-stdin'], { server: api.url, configDir: laptop.path, stdin: TEST_PASSWORD });
      await runShop(['logout', '--all'], { server: api.url, configDir: laptop.path });

      const run = await shop(['prefs', '--debug']);

      expect(run.code).to.equal(4);
      expect(run.stderr).to.not.contain('/auth/refresh');
      expect(run.stderr).to.contain('run `shop login`');
    } finally {
      await laptop.remove();
    }
  });
});

describe('SHOP_TOKEN', () => {
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

  const tokenOf = async (configDir: string): Promise<string> => {
    const text = await readFile(join(configDir, 'credentials.json'), 'utf8');
    return (JSON.parse(text) as Record<string, StoredCredentials>)[api.url]!.accessToken;
  };

  it('is used instead of the stored login', async () => {
    await registerWithCli(api.url, dir.path);
    const other = await makeConfigDir();
    try {
      const otherEmail = await registerWithCli(api.url, other.path);

      const run = await runShop(['whoami'], {
        server: api.url,
        configDir: dir.path,
        env: { SHOP_TOKEN: await tokenOf(other.path) },
      });

      expect(run.code).to.equal(0);
      expect(run.stdout).to.equal(`${otherEmail}\n`);
    } finally {
      await other.remove();
    }
  });

  it('works with no stored login at all', async () => {
    const other = await makeConfigDir();
    try {
      const email = await registerWithCli(api.url, other.path);

      const run = await runShop(['cart', 'add', 'CAP-NAVY'], {
        server: api.url,
        configDir: dir.path,
        env: { SHOP_TOKEN: await tokenOf(other.path) },
      });

      expect(run.code).to.equal(0);
      const mine = await runShop(['whoami'], { server: api.url, configDir: other.path });
      expect(mine.stdout).to.equal(`${email}\n`);
    } finally {
      await other.remove();
    }
  });

  it('exits 4 naming SHOP_TOKEN when the server rejects it', async () => {
    const run = await runShop(['cart'], { server: api.url, configDir: dir.path, env: { SHOP_TOKEN: 'garbage' } });

    expect(run.code).to.equal(4);
    expect(run.stderr).to.contain('the server rejected SHOP_TOKEN');
    expect(run.stderr).to.contain('TOKEN_INVALID');
    expect(run.stderr).to.not.contain('garbage');
  });
});
