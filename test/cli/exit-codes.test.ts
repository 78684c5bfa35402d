import { PassThrough } from 'node:stream';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { Command } from 'commander';

import { buildProgram } from '../../cli/program.js';
import { type RunningApiServer, startApiServer } from '../helpers/api-server.js';
import { makeConfigDir, runShop } from '../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

/**
 * The one rule, as `shop --help` and the README state it: 0 done; 1 refused or failed; 2 the command line is wrong;
 * 3 the server could not be reached and the command needs it; 4 no valid login (none, or the server answered 401/403).
 * Every command, in three situations: logged out with the server up, `--online` with the server down, and an unknown
 * option.
 */
const TABLE: readonly { argv: readonly string[]; stdin?: string; loggedOut: number; unreachable: number }[] = [
  // Checked before any request: a password of 5 characters is refused here.
  { argv: ['register', '--email', 'rule@example.test', '--password-stdin'], stdin: 'short\n', loggedOut: 1, unreachable: 1 },
  { argv: ['login', '--email', 'nobody@example.test', '--password-stdin'], stdin: 'wrong password\n', loggedOut: 4, unreachable: 3 },
  // Nothing to undo: logged out is what was asked for.
  { argv: ['logout'], loggedOut: 0, unreachable: 0 },
  { argv: ['logout', '--all'], loggedOut: 4, unreachable: 4 },
  { argv: ['whoami'], loggedOut: 4, unreachable: 4 },
  { argv: ['status'], loggedOut: 4, unreachable: 3 },
  { argv: ['products'], loggedOut: 0, unreachable: 3 },
  { argv: ['products', 'show', 'MUG-BLUE'], loggedOut: 0, unreachable: 3 },
  { argv: ['cart', 'list'], loggedOut: 4, unreachable: 4 },
  { argv: ['cart', 'set', 'MUG-BLUE', '2'], loggedOut: 4, unreachable: 4 },
  { argv: ['cart', 'remove', 'MUG-BLUE'], loggedOut: 4, unreachable: 4 },
  { argv: ['cart', 'clear', '--yes'], loggedOut: 4, unreachable: 4 },
  { argv: ['prefs', 'list'], loggedOut: 4, unreachable: 4 },
  { argv: ['prefs', 'get', 'locale'], loggedOut: 4, unreachable: 4 },
  { argv: ['prefs', 'set', 'locale', 'en-GB'], loggedOut: 4, unreachable: 4 },
  { argv: ['prefs', 'unset', 'locale'], loggedOut: 4, unreachable: 4 },
  { argv: ['sync'], loggedOut: 4, unreachable: 4 },
  { argv: ['account', 'password', '--password-stdin'], stdin: 'old password\nnew password\n', loggedOut: 4, unreachable: 4 },
  { argv: ['account', 'delete', '--yes', '--password-stdin'], stdin: 'a password\n', loggedOut: 4, unreachable: 4 },
  { argv: ['account', 'export'], loggedOut: 4, unreachable: 4 },
  { argv: ['checkout', '--yes'], loggedOut: 4, unreachable: 4 },
  { argv: ['orders', 'list'], loggedOut: 4, unreachable: 4 },
  { argv: ['orders', 'show', '00000000-0000-4000-8000-000000000000'], loggedOut: 4, unreachable: 4 },
  { argv: ['queue', 'list'], loggedOut: 0, unreachable: 0 },
  { argv: ['queue', 'retry'], loggedOut: 1, unreachable: 1 },
  { argv: ['queue', 'drop', '1'], loggedOut: 1, unreachable: 1 },
  { argv: ['config', 'list'], loggedOut: 0, unreachable: 0 },
  { argv: ['config', 'get', 'server'], loggedOut: 0, unreachable: 0 },
  { argv: ['config', 'set', 'timeout', '1'], loggedOut: 2, unreachable: 2 },
  { argv: ['config', 'unset', 'server'], loggedOut: 0, unreachable: 0 },
  { argv: ['completion', 'bash'], loggedOut: 0, unreachable: 0 },
  { argv: ['help', 'cart'], loggedOut: 0, unreachable: 0 },
  // Logged out, it starts a guest cart (so it comes last: the commands after it would run as that guest); with the
  // server down there is nobody to queue it for yet.
  { argv: ['cart', 'add', 'MUG-BLUE'], loggedOut: 0, unreachable: 3 },
];

/** Every runnable command's path, e.g. `cart add`, from the real commander tree. */
function leafCommands(command: Command, prefix: string[] = []): string[] {
  const path = command.name() === 'shop' ? prefix : [...prefix, command.name()];
  const children = command.commands.flatMap((child) => leafCommands(child, path));
  // A command with an action of its own (`shop products`, `shop cart`) counts as well as its subcommands.
  const runnable = (command as unknown as { _actionHandler: unknown })._actionHandler !== null && path.length > 0;
  // `__complete` is the shells' own, and never fails: nothing a person runs.
  const hidden = (command as unknown as { _hidden?: boolean })._hidden === true;
  return runnable && !hidden ? [path.join(' '), ...children] : children;
}

describe('exit codes', () => {
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

  it('cover every command of the program', () => {
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false, columns: 80 };
    const program = buildProgram({ deps: () => { throw new Error('not run'); }, version: '0', io, onGlobals: () => undefined });
    const inTable = new Set(TABLE.map(({ argv }) => argv.filter((word) => /^[a-z]+$/.test(word)).slice(0, 2).join(' ')));
    const missing = leafCommands(program).filter((path) => ![...inTable].some((covered) => covered === path || covered.startsWith(`${path} `) || path.startsWith(covered)));

    expect(missing).to.equal([]);
  });

  it('follow the rule for every command when logged out, with the server up', async () => {
    const seen: string[] = [];
    for (const { argv, stdin, loggedOut } of TABLE) {
      const run = await runShop(argv, { server: api.url, configDir: dir.path, stdin: stdin ?? '' });
      seen.push(`${argv.join(' ')} → ${run.code}${run.code === loggedOut ? '' : ` (expected ${loggedOut}: ${run.stderr.trim()})`}`);
    }

    expect(seen).to.equal(TABLE.map(({ argv, loggedOut }) => `${argv.join(' ')} → ${loggedOut}`));
  });

  it('follow the rule for every command with --online and the server down', async () => {
    const seen: string[] = [];
    for (const { argv, stdin, unreachable } of TABLE) {
      const run = await runShop([...argv, '--online'], { server: 'http://127.0.0.1:9', configDir: dir.path, stdin: stdin ?? '' });
      seen.push(`${argv.join(' ')} → ${run.code}${run.code === unreachable ? '' : ` (expected ${unreachable}: ${run.stderr.trim()})`}`);
    }

    expect(seen).to.equal(TABLE.map(({ argv, unreachable }) => `${argv.join(' ')} → ${unreachable}`));
  });

  it('exit 2 for an unknown option on every command', async () => {
    for (const { argv } of TABLE) {
      const run = await runShop([...argv, '--no-such-option'], { server: api.url, configDir: dir.path });

      expect(run.code, argv.join(' ')).to.equal(2);
    }
  });

  it('exit 4 for a token the server refuses, whether from SHOP_TOKEN or --with-token', async () => {
    const fromEnv = await runShop(['whoami'], { server: api.url, configDir: dir.path, env: { SHOP_TOKEN: 'garbage' } });
    const fromStdin = await runShop(['login', '--with-token'], { server: api.url, configDir: dir.path, stdin: 'garbage\n' });

    expect(fromEnv.code).to.equal(4);
    expect(fromStdin.code).to.equal(4);
  });
});
