import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, SHOP_BIN } from '../../helpers/cli-binary.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

const KEYRING_MODULE = resolve('node_modules/@napi-rs/keyring');

/**
 * Runs `commands` in bash inside a private D-Bus session with a real Secret Service (gnome-keyring-daemon, its login
 * keyring unlocked with a throwaway password), as on a Linux desktop. `shop` is the built bin; `secret SERVER` prints
 * what the Secret Service holds for shop's entry of that server, read with @napi-rs/keyring directly.
 */
function inSecretServiceSession(commands: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const script = [
    'set -u',
    'export HOME="$(mktemp -d)"',
    `printf 'throwaway' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null`,
    `shop() { '${process.execPath}' '${SHOP_BIN}' "$@"; }`,
    `secret() { '${process.execPath}' -e "const { Entry } = require('${KEYRING_MODULE}'); let v; try { v = new Entry('shop', process.argv[1]).getPassword(); } catch (e) { v = 'error: ' + e.message; } console.log(v ?? 'none')" "$1"; }`,
    commands,
  ].join('\n');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('dbus-run-session', ['--', 'bash', '--norc', '--noprofile', '-c', script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, out, err }));
  });
}

describe('tokens in the OS keyring', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;

  before(async () => {
    await ensureBuilt();
    api = await startApiServer();
  });

  after(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
    env = { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path };
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('keeps the tokens in a real Secret Service, only the email in the file, and removes them on logout', async () => {
    const email = uniqueEmail('keyring');
    const run = await inSecretServiceSession(
      [
        `printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin 2>/dev/null`,
        `echo "whoami=$(shop whoami)"`,
        `echo "store=$(shop status --json | sed -n 's/.*"credentialStore": "\\(.*\\)".*/\\1/p')"`,
        `echo "secret=$(secret '${api.url}' | cut -c1-15)"`,
        'shop logout 2>/dev/null',
        `echo "after=$(secret '${api.url}')"`,
      ].join('\n'),
      env,
    );

    expect(run.out, run.err).to.contain(`whoami=${email}\n`);
    expect(run.out).to.contain('store=keyring\n');
    expect(run.out).to.contain('secret={"accessToken":\n');
    expect(run.out).to.contain('after=none\n');
  });

  it('writes no token to credentials.json when the keyring holds them', async () => {
    const email = uniqueEmail('keyring');
    const run = await inSecretServiceSession(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin`, env);

    expect(run.code, run.err).to.equal(0);
    const file = JSON.parse(await readFile(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(file[api.url]).to.equal({ email, expiresAt: file[api.url]!.expiresAt, tokens: 'keyring' });
  });

  it('falls back on the 0600 file where there is no Secret Service, and says which is in use', async () => {
    const email = uniqueEmail('file');
    // No session bus at all: a headless machine.
    const run = await new Promise<{ code: number | null; out: string }>((resolvePromise) => {
      const child = spawn(
        'bash',
        ['-c', `shop() { '${process.execPath}' '${SHOP_BIN}' "$@"; }\nprintf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin 2>/dev/null && shop status`],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.once('close', (code) => resolvePromise({ code, out }));
    });

    expect(run.code).to.equal(0);
    expect(run.out).to.contain('credentialStore\tfile\n');
    const file = JSON.parse(await readFile(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(file[api.url]!.accessToken).to.be.a.string();
  });

  it('refuses to register without a keyring when SHOP_CREDENTIAL_STORE=keyring insists on one, before asking the server', async () => {
    const email = uniqueEmail('insist');
    const run = await new Promise<{ code: number | null; err: string }>((resolvePromise) => {
      const child = spawn(
        'bash',
        ['-c', `printf '%s\\n' '${TEST_PASSWORD}' | '${process.execPath}' '${SHOP_BIN}' register --email ${email} --password-stdin`],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', SHOP_CREDENTIAL_STORE: 'keyring', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.once('close', (code) => resolvePromise({ code, err }));
    });

    expect(run.code).to.equal(1);
    expect(run.err).to.contain('SHOP_CREDENTIAL_STORE=keyring, but no OS keyring could be used');
    expect(await api.store.users.findByEmail(email)).to.be.null();
  });
});
