import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell, SHOP_BIN } from '../../helpers/cli-binary.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/**
 * A module hook that appends every module URL Node's loaders load to $SHOP_TRACE_FILE. It sees ES modules and the
 * CommonJS entry points they import (React's index.js among them), which is enough to tell whether a package was
 * loaded: the CLI bundle holds commander and undici, and imports every other package at run time.
 */
const TRACE_HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  appendFileSync(process.env.SHOP_TRACE_FILE, url + '\\n');
  return nextLoad(url, context);
}
`;
/**
 * Registers the hook and records three more things the hook cannot see: files read with readFileSync (how the launcher
 * reads the bundle it compiles from a code cache), undici connecting (it is bundled, and loads no built-in of its own
 * that a piped stdout has not loaded already) and, at exit, the Node built-ins loaded.
 */
const TRACE_REGISTER = `
import diagnosticsChannel from 'node:diagnostics_channel';
import fs from 'node:fs';
import { register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
diagnosticsChannel.subscribe('undici:client:beforeConnect', () => fs.appendFileSync(process.env.SHOP_TRACE_FILE, 'undici:connect\\n'));
const readFileSync = fs.readFileSync;
fs.readFileSync = (path, ...rest) => {
  fs.appendFileSync(process.env.SHOP_TRACE_FILE, String(path) + '\\n');
  return readFileSync(path, ...rest);
};
process.on('exit', () => fs.appendFileSync(process.env.SHOP_TRACE_FILE, process.moduleLoadList.map((entry) => 'builtin:' + entry + '\\n').join('')));
`;

/** The packages under node_modules that esbuild put into a built file, from the path comments it writes. */
async function packagesBundledIn(file: string): Promise<string[]> {
  const text = await readFile(join(dirname(SHOP_BIN), file), 'utf8');
  const packages = [...text.matchAll(/^\s*(?:\/\/ |")node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((match) => match[1] ?? '');
  return [...new Set(packages)].sort();
}

/** What one run of `shop` loaded. */
interface Loaded {
  /** Under node_modules. */
  packages: string[];
  /** Of the built CLI, dist/cli. */
  files: string[];
  /** Whether undici connected to a server. */
  undici: boolean;
  /** Node's own modules, by name. */
  builtins: string[];
}

/** What most tests compare: the packages, the files of the CLI, and whether undici connected. */
function summary({ packages, files, undici }: Loaded): Omit<Loaded, 'builtins'> {
  return { packages, files, undici };
}

describe('start-up', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let traceDir: string;

  const loadedBy = async (args: string, env: Record<string, string> = {}): Promise<Loaded> => {
    const traceFile = join(traceDir, `trace-${Math.random().toString(36).slice(2)}.txt`);
    await writeFile(traceFile, '');
    const run = await runShell(`'${process.execPath}' --import '${join(traceDir, 'register.mjs')}' '${SHOP_BIN}' ${args}`, {
      SHOP_SERVER: api.url,
      SHOP_CONFIG_DIR: dir.path,
      SHOP_TRACE_FILE: traceFile,
      ...env,
    });
    expect(run.code, run.stderr).to.equal(0);
    const entries = (await readFile(traceFile, 'utf8')).split('\n');
    const packages = entries.flatMap((entry) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(entry)?.[1] ?? []);
    const files = entries.flatMap((entry) => (entry.includes(dirname(SHOP_BIN)) ? [basename(entry)] : []));
    return {
      packages: [...new Set(packages)].sort(),
      files: [...new Set(files)].sort(),
      undici: entries.includes('undici:connect'),
      builtins: entries.flatMap((entry) => /^builtin:NativeModule (.+)$/.exec(entry)?.[1] ?? []),
    };
  };
  const packagesLoadedBy = async (args: string, env: Record<string, string> = {}): Promise<string[]> => (await loadedBy(args, env)).packages;

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

  it('answers --version without loading any package or the CLI bundle', async () => {
    expect(summary(await loadedBy('--version'))).to.equal({ packages: [], files: ['shop.cjs'], undici: false });
  });

  it('bundles commander and undici only: Ink, React and conf stay out of the CLI bundle, loaded only when needed', async () => {
    expect(await packagesBundledIn('main.cjs')).to.equal(['commander', 'undici']);
    expect(await packagesBundledIn('shop.cjs')).to.equal([]);
    expect(await packagesBundledIn('ui.mjs')).to.equal([]);
  });

  it('lists the cart as JSON loading no package beside the bundle: no Ink, no React, no conf', async () => {
    expect(summary(await loadedBy('cart list --json'))).to.equal({ packages: [], files: ['main.cjs', 'shop.cjs'], undici: true });
  });

  it('lists the cart without loading node:fs/promises, node:readline, node:assert or node:http: each costs every call, for nothing a read runs', async () => {
    const { builtins } = await loadedBy('cart list --json');

    expect(builtins).to.not.include(['fs/promises', 'readline', 'assert', 'http']);
  });

  it('lists the cart without loading node:crypto or perf_hooks: a read needs no random key, and their loading costs every call', async () => {
    const { builtins } = await loadedBy('cart list --json');

    expect(builtins).to.not.include(['crypto', 'perf_hooks']);
  });

  it('prints plain lines to a pipe without loading Ink or React', async () => {
    const loaded = await loadedBy('products --limit 3');

    expect(loaded.packages).to.not.include(['ink', 'react']);
    expect(loaded.files).to.not.include('ui.mjs');
  });

  it('shows config without loading undici', async () => {
    expect(summary(await loadedBy('config list'))).to.equal({ packages: [], files: ['main.cjs', 'shop.cjs'], undici: false });
  });

  it('lists the queue without loading undici', async () => {
    expect((await loadedBy('queue --json')).undici).to.be.false();
  });

  it('queues a change and reads the saved cart offline loading no package beside the bundle', async () => {
    expect(await packagesLoadedBy('cart --json')).to.equal([]);
    const offline = { SHOP_SERVER: 'http://127.0.0.1:9' };
    // Credentials are kept per server: the same login, for the address nothing listens on.
    const credentials = JSON.parse(await readFile(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir.path, 'credentials.json'), JSON.stringify({ ...credentials, [offline.SHOP_SERVER]: credentials[api.url] }), { mode: 0o600 });

    expect(await packagesLoadedBy('cart add MUG-BLUE --json', offline)).to.equal([]);
    expect(summary(await loadedBy('queue', offline))).to.equal({ packages: [], files: ['main.cjs', 'shop.cjs'], undici: false });
  });

  it('compiles the CLI from the code cache its first run leaves, and leaves that cache alone after', async () => {
    const cacheHome = await mkdtemp(join(tmpdir(), 'shop-cache-'));
    const env = { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path, XDG_CACHE_HOME: cacheHome };
    const cacheDir = join(cacheHome, 'shop', 'code-cache');
    try {
      const first = await runShell('shop cart list --json', env);
      const caches = await readdir(cacheDir);
      const written = (await stat(join(cacheDir, caches[0] ?? ''))).mtimeMs;
      const second = await runShell('shop cart list --json', env);

      expect(first.code, first.stderr).to.equal(0);
      expect(caches).to.have.length(1);
      expect(second).to.equal(first);
      // V8 took the cache: a rejected one is written again.
      expect(await readdir(cacheDir)).to.equal(caches);
      expect((await stat(join(cacheDir, caches[0] ?? ''))).mtimeMs).to.equal(written);
    } finally {
      await rm(cacheHome, { recursive: true, force: true });
    }
  });

  it('keeps a code cache per command, so a cache left by one command does not leave another compiling on every call', async () => {
    const cacheHome = await mkdtemp(join(tmpdir(), 'shop-cache-'));
    const env = { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path, XDG_CACHE_HOME: cacheHome };
    try {
      const config = await runShell('shop config list', env);
      const cart = await runShell(`shop --server ${api.url} cart list --json`, env);

      expect(config.code, config.stderr).to.equal(0);
      expect(cart.code, cart.stderr).to.equal(0);
      const caches = (await readdir(join(cacheHome, 'shop', 'code-cache'))).map((name) => name.split('-')[1]).sort();
      expect(caches).to.equal(['cart', 'config']);
    } finally {
      await rm(cacheHome, { recursive: true, force: true });
    }
  });

  it('runs with --debug from the bundle Node loads itself, which can map stack traces to the sources', async () => {
    const run = await runShell('shop --debug cart list --json', { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path });

    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.contain('[debug] > GET');
    expect(JSON.parse(run.stdout)).to.include({ source: 'server' });
  });
});
