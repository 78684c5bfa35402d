import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { makeConfigDir, runShop } from '../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

describe('the shop command line', () => {
  let dir: { path: string; remove(): Promise<void> };
  // Port 9 (discard) is closed on test machines: any request fails fast with "connection refused".
  const shop = (argv: string[], env: Record<string, string> = {}) =>
    runShop(argv, { configDir: dir.path, server: 'http://127.0.0.1:9', env });

  beforeEach(async () => {
    dir = await makeConfigDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('prints help with every command, the exit codes and the environment variables on stdout', async () => {
    const run = await shop(['--help']);

    expect(run.code).to.equal(0);
    expect(run.stderr).to.equal('');
    for (const command of ['register', 'login', 'logout', 'whoami', 'status', 'products', 'cart', 'prefs', 'sync', 'queue', 'config']) {
      expect(run.stdout).to.match(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(run.stdout).to.contain('Exit codes:');
    expect(run.stdout).to.match(/^ {2}4 +authentication required/m);
    expect(run.stdout).to.match(/^ {2}3 +the server could not be reached/m);
    expect(run.stdout).to.contain('--online');
    expect(run.stdout).to.match(/^ {2}2 +usage error/m);
    for (const variable of ['SHOP_SERVER', 'SHOP_TOKEN', 'SHOP_CONFIG_DIR', 'NO_COLOR']) {
      expect(run.stdout).to.contain(variable);
    }
  });

  it('prints help for a subcommand', async () => {
    const run = await shop(['cart', 'add', '--help']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.contain('Usage: shop cart add [options] <sku> [quantity]');
  });

  it('prints the version', async () => {
    const run = await shop(['--version']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('0.0.0-test\n');
  });

  it('exits 2 for an unknown command, suggesting the nearest one, with nothing on stdout', async () => {
    const run = await shop(['cat']);

    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal('shop: unknown command "cat" for shop. Did you mean cart?\n');
  });

  it('suggests a subcommand for a typo, transposed letters included', async () => {
    const run = await shop(['cart', 'lsit']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal('shop: unknown command "lsit" for shop cart. Did you mean list?\n');
  });

  it('takes ls and rm as the aliases people type', async () => {
    const list = await shop(['config', 'ls']);
    const remove = await shop(['config', 'rm', 'server']);

    expect(list.code).to.equal(0);
    expect(list.stdout).to.contain('server');
    expect(remove.code).to.equal(0);
  });

  it('exits 2 for an unknown option, in its own words', async () => {
    const run = await shop(['products', '--jsn']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal('shop: unknown option --jsn for shop products. Did you mean --json?\n');
  });

  it('exits 2 for a missing argument, naming it', async () => {
    const run = await shop(['cart', 'set', 'MUG-BLUE']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal('shop: shop cart set needs QUANTITY (see `shop cart set --help`)\n');
  });

  it('says what a bad argument must be, with the range in words, never in Commander\'s', async () => {
    const quantity = await shop(['cart', 'add', 'MUG-BLUE', '100']);
    const offset = await shop(['products', '--offset', '-1']);

    expect(quantity.code).to.equal(2);
    expect(quantity.stderr).to.equal('shop: the quantity must be from 1 to 99; got "100" (see `shop cart add --help`)\n');
    expect(offset.stderr).to.equal('shop: --offset must be a whole number, 0 or more; got "-1" (see `shop products --help`)\n');
    expect(`${quantity.stderr}${offset.stderr}`).to.not.contain('command-argument');
    expect(`${quantity.stderr}${offset.stderr}`).to.not.contain('9007199254740991');
  });

  it('prints a short help on stdout and exits 0 when no command is given', async () => {
    const run = await shop([]);

    expect(run.code).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.contain('Usage: shop <command>');
    expect(run.stdout).to.match(/^ {2}cart +show and change your cart$/m);
    expect(run.stdout).to.not.contain('__complete');
    expect(run.stdout.split('\n').length).to.be.below(25);
  });

  it('prints a command\'s help with shop help, global options and examples included', async () => {
    const run = await shop(['help', 'cart', 'add']);
    const flag = await shop(['cart', 'add', '--help']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(flag.stdout);
    expect(run.stdout).to.contain('Usage: shop cart add [options] <sku> [quantity]');
    expect(run.stdout).to.contain('Global Options:');
    expect(run.stdout).to.contain('--timeout <seconds>');
    expect(run.stdout).to.contain('Examples:\n  shop cart add MUG-BLUE');
  });

  it('prints the whole help with shop help', async () => {
    const run = await shop(['help']);
    const flag = await shop(['--help']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(flag.stdout);
    expect(run.stdout).to.contain('Exit codes:');
  });

  it('exits 1 with one line naming the URL when the server cannot be reached and there is no saved copy', async () => {
    const run = await shop(['products', '--json']);

    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal(
      'shop: cannot reach the shop server at http://127.0.0.1:9: connection refused, and there is no saved copy of this product listing to show\n',
    );
  });

  it('exits 3 when the server cannot be reached and the command cannot do without it', async () => {
    const online = await shop(['products', '--online']);
    const register = await runShop(['register', '--email', 'ada@example.test', '--password-stdin'], {
      configDir: dir.path,
      server: 'http://127.0.0.1:9',
      stdin: 'correct horse battery staple\n',
    });

    const login = await runShop(['login', '--email', 'ada@example.test', '--password-stdin'], {
      configDir: dir.path,
      server: 'http://127.0.0.1:9',
      stdin: 'correct horse battery staple\n',
    });

    expect([online.code, online.stdout]).to.equal([3, '']);
    expect([register.code, register.stdout]).to.equal([3, '']);
    expect(register.stderr).to.equal('shop: cannot reach the shop server at http://127.0.0.1:9: connection refused\n');
    expect([login.code, login.stdout]).to.equal([3, '']);
  });

  it('shows the stack trace of a failure only with --debug', async () => {
    const run = await shop(['products', '--online', '--debug']);

    expect(run.code).to.equal(3);
    expect(run.stderr).to.contain('[debug] > GET http://127.0.0.1:9/products');
    expect(run.stderr).to.contain('ServerUnreachableError');
    expect(run.stderr).to.match(/\n\s+at /);
  });

  it('accepts global options before or after the command', async () => {
    const before = await shop(['--json', 'config', 'list']);
    const after = await shop(['config', 'list', '--json']);

    expect(before.code).to.equal(0);
    expect(JSON.parse(before.stdout)).to.equal({ server: 'http://127.0.0.1:9', sources: { server: 'SHOP_SERVER' } });
    expect(after.stdout).to.equal(before.stdout);
  });
});
