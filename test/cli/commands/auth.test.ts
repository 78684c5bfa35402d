import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import {
  makeConfigDir,
  parseJson,
  registerWithCli,
  runShop,
  type RunShopOptions,
  TEST_PASSWORD,
  uniqueEmail,
} from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

describe('shop register, login, logout and whoami', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  const shop = (argv: string[], options: Omit<RunShopOptions, 'configDir' | 'server'> = {}) =>
    runShop(argv, { ...options, server: api.url, configDir: dir.path });
  const storedCredentials = async (): Promise<string> =>
    readFile(join(dir.path, 'credentials.json'), 'utf8').catch(() => '');

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

  it('registers with a password from stdin and is logged in afterwards', async () => {
    const email = uniqueEmail();

    const register = await shop(['register', '--email', email, '--password-stdin', '--json'], {
      stdin: `${TEST_PASSWORD}\n`,
    });

    expect(register.code).to.equal(0);
    expect(parseJson(register)).to.include({ email, server: api.url });
    expect(register.stderr).to.contain(`Registered and logged in to ${api.url} as ${email}.`);
    const whoami = await shop(['whoami']);
    expect(whoami.code).to.equal(0);
    expect(whoami.stdout).to.equal(`${email}\n`);
  });

  it('refuses to register an email that is taken, with the server code', async () => {
    const email = await registerWithCli(api.url, dir.path);

    const run = await shop(['register', '--email', email, '--password-stdin'], { stdin: TEST_PASSWORD });

    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('(EMAIL_TAKEN)');
  });

  it('refuses a password shorter than 8 characters before asking the server', async () => {
    const run = await shop(['register', '--email', uniqueEmail(), '--password-stdin'], { stdin: 'short\n' });

    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('8 to 256 characters');
  });

  it('logs in with --password-stdin, stores the tokens, and never prints them', async () => {
    const email = await registerWithCli(api.url, dir.path);
    await shop(['logout']);

    const run = await shop(['login', '--email', email, '--password-stdin', '--json'], { stdin: `${TEST_PASSWORD}\n` });

    expect(run.code).to.equal(0);
    const result = parseJson<{ email: string; expiresAt: string }>(run);
    expect(result.email).to.equal(email);
    expect(Date.parse(result.expiresAt)).to.be.above(Date.now());
    const stored = JSON.parse(await storedCredentials()) as Record<string, { accessToken: string; refreshToken: string }>;
    const tokens = stored[api.url];
    expect(tokens?.accessToken).to.be.a.string();
    expect(run.stdout + run.stderr).to.not.contain(tokens!.accessToken);
    expect(run.stdout + run.stderr).to.not.contain(tokens!.refreshToken);
  });

  it('keeps only the one line ending piped after the password', async () => {
    const email = uniqueEmail();
    const password = '  spaced out password  ';
    await shop(['register', '--email', email, '--password-stdin'], { stdin: `${password}\r\n` });
    await shop(['logout']);

    const exact = await shop(['login', '--email', email, '--password-stdin'], { stdin: `${password}\n` });
    const trimmed = await shop(['login', '--email', email, '--password-stdin'], { stdin: `${password.trim()}\n` });

    expect(exact.code).to.equal(0);
    expect(trimmed.code).to.equal(4);
  });

  it('says the credentials are wrong with the server code and exits 4, as every 401 does', async () => {
    const email = await registerWithCli(api.url, dir.path);

    const run = await shop(['login', '--email', email, '--password-stdin'], { stdin: 'not the password\n' });

    expect(run.code).to.equal(4);
    expect(run.stderr).to.contain('(INVALID_CREDENTIALS)');
  });

  it('needs --password-stdin when not on a terminal, and never takes a password argument', async () => {
    const withoutFlag = await shop(['login', '--email', uniqueEmail()]);
    const asArgument = await shop(['login', '--email', uniqueEmail(), TEST_PASSWORD]);
    const asFlag = await shop(['login', '--email', uniqueEmail(), `--password=${TEST_PASSWORD}`]);

    expect(withoutFlag.code).to.equal(2);
    expect(withoutFlag.stderr).to.contain('--password-stdin');
    expect(asArgument.code).to.equal(2);
    expect(asFlag.code).to.equal(2);
  });

  it('needs --email when not on a terminal', async () => {
    const run = await shop(['login', '--password-stdin'], { stdin: TEST_PASSWORD });

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('--email is required');
  });

  it('asks for email and a masked password on a terminal', async () => {
    const email = await registerWithCli(api.url, dir.path);
    await shop(['logout']);

    const run = await shop(['login'], {
      tty: true,
      env: { NO_COLOR: '1' },
      answers: [
        { prompt: 'Email:', keys: email },
        { prompt: email, keys: '\r' },
        { prompt: 'Password:', keys: TEST_PASSWORD },
        { prompt: '•'.repeat(TEST_PASSWORD.length), keys: '\r' },
      ],
    });

    expect(run.code).to.equal(0);
    expect(run.stderr).to.contain(`Logged in to ${api.url} as ${email}.`);
    expect(run.stderr).to.not.contain(TEST_PASSWORD);
    expect(run.stdout).to.equal('');
  });

  it('exits 130 when the password prompt is interrupted with Ctrl-C', async () => {
    const run = await shop(['login', '--email', uniqueEmail()], {
      tty: true,
      answers: [{ prompt: 'Password:', keys: '\u0003' }],
    });

    expect(run.code, run.stderr).to.equal(130);
    expect(await storedCredentials()).to.equal('');
  });

  it('logs in with an access token read from stdin, learning whose it is', async () => {
    const email = await registerWithCli(api.url, dir.path);
    const stored = JSON.parse(await storedCredentials()) as Record<string, { accessToken: string }>;
    const token = stored[api.url]!.accessToken;
    const other = await makeConfigDir();

    try {
      const run = await runShop(['login', '--with-token'], { server: api.url, configDir: other.path, stdin: `${token}\n` });
      expect(run.code).to.equal(0);
      expect(run.stderr).to.contain(`as ${email}`);
      expect(run.stdout + run.stderr).to.not.contain(token);
      const whoami = await runShop(['whoami'], { server: api.url, configDir: other.path });
      expect(whoami.stdout).to.equal(`${email}\n`);
    } finally {
      await other.remove();
    }
  });

  it('refuses a token the server does not accept, and stores nothing', async () => {
    const run = await shop(['login', '--with-token'], { stdin: 'not.a.token\n' });

    expect(run.code).to.equal(4);
    expect(run.stderr).to.startWith('shop: the server did not accept the token: ');
    expect(run.stderr).to.contain('(TOKEN_INVALID)');
    expect(await storedCredentials()).to.equal('');
  });

  it('refuses --with-token together with --password-stdin', async () => {
    const run = await shop(['login', '--with-token', '--password-stdin'], { stdin: 'x' });

    expect(run.code).to.equal(2);
  });

  it('logs out, revoking the refresh token on the server and forgetting the login', async () => {
    await registerWithCli(api.url, dir.path);
    const before = JSON.parse(await storedCredentials()) as Record<string, { refreshToken: string }>;

    const run = await shop(['logout', '--json']);

    expect(run.code).to.equal(0);
    expect(parseJson(run)).to.equal({ server: api.url, revoked: 'session' });
    expect(JSON.parse(await storedCredentials())).to.equal({});
    const refreshed = await fetch(`${api.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: before[api.url]!.refreshToken }),
    });
    expect(refreshed.status).to.equal(401);
  });

  it('logs out successfully when not logged in at all', async () => {
    const run = await shop(['logout']);

    expect(run.code).to.equal(0);
    expect(run.stderr).to.contain('Not logged in');
  });

  it('logs out everywhere with --all, so another machine has to log in again', async () => {
    const email = await registerWithCli(api.url, dir.path);
    const laptop = await makeConfigDir();
    try {
      await runShop(['login', '--email', email, '--password-stdin'], { server: api.url, configDir: laptop.path, stdin: TEST_PASSWORD });

      const run = await shop(['logout', '--all']);

      expect(run.code).to.equal(0);
      const elsewhere = await runShop(['cart'], { server: api.url, configDir: laptop.path });
      expect(elsewhere.code).to.equal(4);
      expect(elsewhere.stderr).to.contain('run `shop login`');
    } finally {
      await laptop.remove();
    }
  });

  it('says to run shop login and exits 4 for whoami when logged out', async () => {
    const run = await shop(['whoami']);

    expect(run.code).to.equal(4);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal(`shop: not logged in to ${api.url}; run \`shop login\`\n`);
  });

  it('prints who is logged in as JSON', async () => {
    const email = await registerWithCli(api.url, dir.path);

    const run = await shop(['whoami', '--json']);

    expect(run.code).to.equal(0);
    expect(parseJson(run)).to.include({ email, server: api.url });
  });

  it('keeps logins to different servers apart', async () => {
    await registerWithCli(api.url, dir.path);
    const other = await startApiServer();
    try {
      const run = await runShop(['whoami'], { server: other.url, configDir: dir.path });
      expect(run.code).to.equal(4);
      expect(run.stderr).to.contain(`not logged in to ${other.url}`);
    } finally {
      await other.stop();
    }
  });

  it('forgets the saved copies of the account on logout: cache.json keeps no email or cart', async () => {
    const email = await registerWithCli(api.url, dir.path);
    await shop(['cart', 'add', 'MUG-BLUE']);
    await shop(['cart']);
    expect(await readFile(join(dir.path, 'cache.json'), 'utf8')).to.contain('MUG-BLUE');

    const run = await shop(['logout']);

    expect(run.code).to.equal(0);
    const cache = await readFile(join(dir.path, 'cache.json'), 'utf8');
    expect(cache).to.not.contain(email);
    expect(cache).to.not.contain('"lines"');
  });

  it('says that registering replaces the login of someone else', async () => {
    const first = await registerWithCli(api.url, dir.path);

    const run = await shop(['register', '--email', uniqueEmail(), '--password-stdin'], { stdin: `${TEST_PASSWORD}\n` });

    expect(run.code).to.equal(0);
    expect(run.stderr).to.contain(`This replaces the login of ${first} on this machine`);
  });
});
