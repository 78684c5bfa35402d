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
    expect(run.stderr).to.contain("unknown command 'cat'");
    expect(run.stderr).to.contain('(Did you mean cart?)');
  });

  it('exits 2 for an unknown option', async () => {
    const run = await shop(['products', '--colour']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("unknown option '--colour'");
  });

  it('exits 2 for a missing argument', async () => {
    const run = await shop(['cart', 'set', 'MUG-BLUE']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("missing required argument 'quantity'");
  });

  it('exits 2 and shows help on stderr when no command is given', async () => {
    const run = await shop([]);

    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('Usage: shop');
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
    expect(JSON.parse(before.stdout)).to.equal({ server: 'http://127.0.0.1:3000' });
    expect(after.stdout).to.equal(before.stdout);
  });
});
