import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { Cart, ProductPage } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { hasEscapeCodes, makeConfigDir, TEST_PASSWORD, uniqueEmail } from '../../helpers/cli.js';
import { ensureBuilt, runShell } from '../../helpers/cli-binary.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

describe('the built shop binary', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  const sh = (commandLine: string) => runShell(commandLine, env);
  const register = async (): Promise<string> => {
    const email = uniqueEmail('e2e');
    const run = await sh(`printf '%s\\n' '${TEST_PASSWORD}' | shop register --email ${email} --password-stdin`);
    expect(run.code, run.stderr).to.equal(0);
    return email;
  };

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

  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

    const run = await sh('shop --version');

    expect(run).to.equal({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('registers with a piped password and keeps the credentials in a file of mode 0600', async () => {
    const email = await register();

    const info = await stat(join(dir.path, 'credentials.json'));
    expect(info.mode & 0o777).to.equal(0o600);
    const whoami = await sh('shop whoami');
    expect(whoami).to.equal({ code: 0, stdout: `${email}\n`, stderr: '' });
  });

  it('adds piped "SKU QTY" lines to the cart and keeps stdout to clean data lines', async () => {
    await register();

    const run = await sh(`printf 'MUG-BLUE 2\\n' | shop cart add -`);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('MUG-BLUE\t2\t14.90\t29.80\tEUR\tEnamel Mug, Blue\n');
    expect(run.stderr).to.equal('Added 1 of 1 line(s).\n');
  });

  it('feeds --json output to another program as one JSON document', async () => {
    await register();
    await sh('shop cart add CAP-NAVY 3');

    const run = await sh(`shop cart --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).subtotal))"`);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('7200\n');
  });

  it('pipes products --json into a parser and gets a page', async () => {
    const run = await sh('shop products mug --limit 2 --json');

    expect(run.code).to.equal(0);
    const page = JSON.parse(run.stdout) as ProductPage;
    expect(page.items).to.have.length(2);
    expect(hasEscapeCodes(run.stdout)).to.be.false();
  });

  it('exits 0, 1, 2 and 4 as documented, with nothing on stdout for a failure', async () => {
    const ok = await sh('shop config list');
    const failure = await sh('shop products show NOPE-404');
    const usage = await sh('shop frobnicate');
    const auth = await sh('shop cart');

    expect(ok.code).to.equal(0);
    expect([failure.code, failure.stdout]).to.equal([1, '']);
    expect(failure.stderr).to.contain('(SKU_NOT_FOUND)');
    expect([usage.code, usage.stdout]).to.equal([2, '']);
    expect([auth.code, auth.stdout]).to.equal([4, '']);
    expect(auth.stderr).to.contain('run `shop login`');
  });

  it('exits 1 with one line naming the URL when the server is down and nothing was saved to show instead', async () => {
    env.SHOP_SERVER = 'http://127.0.0.1:9';

    const run = await sh('shop products');

    expect(run).to.equal({
      code: 1,
      stdout: '',
      stderr: 'shop: cannot reach the shop server at http://127.0.0.1:9: connection refused, and there is no saved copy of this product listing to show\n',
    });
  });

  it('exits 3 when the server is down and --online forbids the saved copy', async () => {
    env.SHOP_SERVER = 'http://127.0.0.1:9';

    const run = await sh('shop products --online');

    expect(run).to.equal({ code: 3, stdout: '', stderr: 'shop: cannot reach the shop server at http://127.0.0.1:9: connection refused\n' });
  });

  it('uses the token from SHOP_TOKEN and never prints it', async () => {
    await register();
    const credentials = JSON.parse(readFileSync(join(dir.path, 'credentials.json'), 'utf8')) as Record<string, { accessToken: string }>;
    const token = credentials[api.url]!.accessToken;
    const empty = await makeConfigDir();
    try {
      const run = await runShell('shop cart add MUG-BLUE --json && shop status', {
        SHOP_SERVER: api.url,
        SHOP_CONFIG_DIR: empty.path,
        SHOP_TOKEN: token,
      });

      expect(run.code).to.equal(0);
      expect((JSON.parse(run.stdout.slice(0, run.stdout.indexOf('\n}') + 2)) as Cart).itemCount).to.equal(1);
      expect(run.stdout).to.contain('tokenSource\tSHOP_TOKEN');
      expect(run.stdout + run.stderr).to.not.contain(token);
    } finally {
      await empty.remove();
    }
  });

  it('stops quietly, exit 0, when the reader of its output has gone away', async () => {
    // `true` exits at once, so by the time shop writes, nobody reads: the write fails with EPIPE.
    const run = await sh('{ shop products --limit 100 --json; echo "shop exited $?" >&2; } | true');

    expect(run.stderr).to.equal('shop exited 0\n');
  });
});
