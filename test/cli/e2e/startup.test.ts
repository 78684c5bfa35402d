import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell, SHOP_BIN } from '../../helpers/cli-binary.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/**
 * A module hook that appends every module URL Node loads to $SHOP_TRACE_FILE. It sees ES modules and the CommonJS
 * entry points they import (React's index.js among them), which is enough to tell whether a package was loaded.
 */
const TRACE_HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  appendFileSync(process.env.SHOP_TRACE_FILE, url + '\\n');
  return nextLoad(url, context);
}
`;
const TRACE_REGISTER = `
import { register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
`;

describe('start-up', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let traceDir: string;

  /** The packages under node_modules that one run of `shop <args>` loaded. */
  const packagesLoadedBy = async (args: string, env: Record<string, string> = {}): Promise<string[]> => {
    const traceFile = join(traceDir, `trace-${Math.random().toString(36).slice(2)}.txt`);
    await writeFile(traceFile, '');
    const run = await runShell(`'${process.execPath}' --import '${join(traceDir, 'register.mjs')}' '${SHOP_BIN}' ${args}`, {
      SHOP_SERVER: api.url,
      SHOP_CONFIG_DIR: dir.path,
      SHOP_TRACE_FILE: traceFile,
      ...env,
    });
    expect(run.code, run.stderr).to.equal(0);
    const urls = (await readFile(traceFile, 'utf8')).split('\n');
    const packages = urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []);
    return [...new Set(packages)].sort();
  };

  before(async () => {
    await ensureBuilt();
    api = await startApiServer();
    dir = await makeConfigDir();
    traceDir = await mkdtemp(join(tmpdir(), 'shop-trace-'));
    await writeFile(join(traceDir, 'hooks.mjs'), TRACE_HOOKS);
    await writeFile(join(traceDir, 'register.mjs'), TRACE_REGISTER);
    const email = uniqueEmail('startup');
    const registered = await runShell(`printf '%s' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin`, {
      SHOP_SERVER: api.url,
      SHOP_CONFIG_DIR: dir.path,
    });
    expect(registered.code, registered.stderr).to.equal(0);
  });

  after(async () => {
    await api.stop();
    await dir.remove();
    await rm(traceDir, { recursive: true, force: true });
  });

  it('answers --version without loading any package', async () => {
    expect(await packagesLoadedBy('--version')).to.equal([]);
  });

  it('lists the cart as JSON loading commander and undici only: no Ink, no React, no conf', async () => {
    expect(await packagesLoadedBy('cart list --json')).to.equal(['commander', 'undici']);
  });

  it('prints plain lines to a pipe without loading Ink or React', async () => {
    const loaded = await packagesLoadedBy('products --limit 3');

    expect(loaded).to.not.include(['ink', 'react']);
  });

  it('shows config without loading undici', async () => {
    expect(await packagesLoadedBy('config list')).to.equal(['commander']);
  });

  it('lists the queue without loading undici', async () => {
    expect(await packagesLoadedBy('queue --json')).to.equal(['commander']);
  });

  it('queues a change and reads the saved cart offline loading commander and undici only', async () => {
    expect(await packagesLoadedBy('cart --json')).to.equal(['commander', 'undici']);
    const offline = { SHOP_SERVER: 'http://127.0.0.1:9' };
    // Credentials are kept per server: the same login, for the address nothing listens on.
    const credentials = JSON.parse(await readFile(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir.path, 'credentials.json'), JSON.stringify({ ...credentials, [offline.SHOP_SERVER]: credentials[api.url] }), { mode: 0o600 });

    expect(await packagesLoadedBy('cart add MUG-BLUE --json', offline)).to.equal(['commander', 'undici']);
    expect(await packagesLoadedBy('queue', offline)).to.equal(['commander']);
  });
});
