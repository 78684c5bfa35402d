import { spawn } from 'node:child_process';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type RunningApiServer, startApiServer } from '../helpers/api-server.js';
import { makeConfigDir, registerWithCli, runShop } from '../helpers/cli.js';
import { ensureBuilt, SHOP_BIN } from '../helpers/cli-binary.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

/**
 * Loads `shop completion bash` into a real bash, with `shop` the built bin, and asks it what Tab offers after
 * `line` — bash itself splits the line into COMP_WORDS, as it does at a prompt.
 */
function bashCompletions(line: string, env: Record<string, string>): Promise<string[]> {
  const script = [
    `shop() { '${process.execPath}' '${SHOP_BIN}' "$@"; }`,
    'source <(shop completion bash)',
    `line=${JSON.stringify(line)}`,
    // As bash does for a completion: the words of the line, the last one being the word under the cursor.
    'read -r -a COMP_WORDS <<< "$line"',
    '[[ "$line" == *" " ]] && COMP_WORDS+=("")',
    'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
    'COMP_LINE="$line"; COMP_POINT=${#line}',
    '_shop_complete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--norc', '--noprofile', '-c', script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out.split('\n').filter((word) => word !== '')) : reject(new Error(err))));
  });
}

function runShell(shell: string, args: string[], env: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out.split('\n').filter((word) => word !== '')) : reject(new Error(err))));
  });
}

/** Loads `shop completion fish` into real fish and asks fish itself (`complete -C`) what Tab offers after `line`. */
function fishCompletions(line: string, env: Record<string, string>): Promise<string[]> {
  const script = [
    `function shop; '${process.execPath}' '${SHOP_BIN}' $argv; end`,
    'shop completion fish | source',
    `complete -C ${JSON.stringify(line)}`,
  ].join('\n');
  return runShell('fish', ['--no-config', '-c', script], env);
}

/**
 * Loads `shop completion zsh` into real zsh and calls its completion function as compsys would, with `words` and
 * `CURRENT` set; `compadd` is replaced by one that prints what it was given (compsys itself needs an interactive
 * terminal).
 */
function zshCompletions(words: readonly string[], env: Record<string, string>): Promise<string[]> {
  const script = [
    `shop() { '${process.execPath}' '${SHOP_BIN}' "$@" }`,
    'compdef() { : }',
    'compadd() { print -l -- ${(P)${@[-1]}} }',
    'source <(shop completion zsh)',
    `words=(${words.map((word) => `'${word}'`).join(' ')}); CURRENT=${words.length}`,
    '_shop',
  ].join('\n');
  return runShell('zsh', ['-f', '-c', script], env);
}

describe('shell completion', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;

  before(async () => {
    await ensureBuilt();
    api = await startApiServer();
    dir = await makeConfigDir();
    env = { SHOP_SERVER: api.url, SHOP_CONFIG_DIR: dir.path };
    await registerWithCli(api.url, dir.path);
    // Saved copies for completion to read: a catalogue page, the cart and the preferences.
    await runShop(['products', 'mug'], { server: api.url, configDir: dir.path });
    await runShop(['cart', 'add', 'TEE-BLACK-M'], { server: api.url, configDir: dir.path });
    await runShop(['prefs', 'set', 'locale', 'en-GB'], { server: api.url, configDir: dir.path });
    await runShop(['prefs'], { server: api.url, configDir: dir.path });
  });

  after(async () => {
    await api.stop();
    await dir.remove();
  });

  it('completes commands in bash', async () => {
    expect(await bashCompletions('shop ca', env)).to.equal(['cart']);
    expect(await bashCompletions('shop cart ', env)).to.equal(['add', 'clear', 'list', 'remove', 'set']);
  });

  it('completes options, the global ones included', async () => {
    const options = await bashCompletions('shop cart add --', env);

    expect(options).to.include(['--json', '--online', '--server', '--timeout', '--help']);
  });

  it('completes SKUs from the saved catalogue and cart, in any case typed', async () => {
    const skus = await bashCompletions('shop cart add mug-', env);
    const fromCart = await bashCompletions('shop cart remove TEE', env);

    expect(skus).to.include('MUG-BLUE');
    expect(skus.every((sku) => sku.startsWith('MUG-'))).to.be.true();
    expect(fromCart).to.equal(['TEE-BLACK-M']);
  });

  it('completes preference keys from the saved preferences, and setting keys for config', async () => {
    expect(await bashCompletions('shop prefs unset lo', env)).to.equal(['locale']);
    expect(await bashCompletions('shop config set ', env)).to.equal(['server']);
  });

  it('completes offline, from the saved copies alone', async () => {
    const offline = { ...env, SHOP_SERVER: api.url, SHOP_TIMEOUT: '0.1' };
    await api.stop();
    try {
      expect(await bashCompletions('shop cart add MUG-B', offline)).to.equal(['MUG-BLUE']);
    } finally {
      api = await startApiServer();
    }
  });

  it('completes commands and SKUs in fish', async () => {
    expect(await fishCompletions('shop cart ', env)).to.equal(['add', 'clear', 'list', 'remove', 'set']);
    expect(await fishCompletions('shop cart add mug-b', env)).to.equal(['MUG-BLUE']);
  });

  it('completes commands and SKUs in zsh', async () => {
    expect(await zshCompletions(['shop', 'cart', ''], env)).to.equal(['add', 'clear', 'list', 'remove', 'set']);
    expect(await zshCompletions(['shop', 'cart', 'add', 'MUG-B'], env)).to.equal(['MUG-BLUE']);
  });

  it('prints scripts for zsh and fish, and refuses another shell', async () => {
    const zsh = await runShop(['completion', 'zsh'], { configDir: dir.path });
    const fish = await runShop(['completion', 'fish'], { configDir: dir.path });
    const other = await runShop(['completion', 'tcsh'], { configDir: dir.path });

    expect(zsh.stdout).to.startWith('#compdef shop\n');
    expect(fish.stdout).to.contain("complete -c shop -f -a '(__shop_complete)'");
    expect(other.code).to.equal(2);
  });
});
