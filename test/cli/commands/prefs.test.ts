import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { Preferences } from '../../../shared/wire.js';
import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, parseJson, registerWithCli, runShop, type RunShopOptions } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, before, after, beforeEach, afterEach } = lab;

describe('shop prefs', () => {
  let api: RunningApiServer;
  let dir: { path: string; remove(): Promise<void> };
  const shop = (argv: string[], options: Omit<RunShopOptions, 'configDir' | 'server'> = {}) =>
    runShop(argv, { ...options, server: api.url, configDir: dir.path });

  before(async () => {
    api = await startApiServer();
  });

  after(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    dir = await makeConfigDir();
    await registerWithCli(api.url, dir.path);
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('sets a value and prints it back', async () => {
    const run = await shop(['prefs', 'set', 'locale', 'en-GB']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('en-GB\n');
    expect(run.stderr).to.equal('Set locale to "en-GB".\n');
  });

  it('formats the very next view at a terminal in a locale just set, and keeps piped output plain', async () => {
    expect((await shop(['cart', 'add', 'MUG-BLUE', '2'])).code).to.equal(0);
    expect((await shop(['prefs', 'set', 'locale', 'de-DE'])).code).to.equal(0);

    const atTerminal = await shop(['cart'], { tty: true, env: { NO_COLOR: '1' } });
    const piped = await shop(['cart']);

    expect(atTerminal.stdout).to.contain('29,80\u00a0€');
    expect(piped.stdout).to.contain('29.80');
  });

  it('reads JSON scalars as JSON and anything else as text', async () => {
    await shop(['prefs', 'set', 'newsletter', 'true']);
    await shop(['prefs', 'set', 'page.size', '42']);
    await shop(['prefs', 'set', 'nickname', 'null']);
    await shop(['prefs', 'set', 'zip', '"01234"']);
    await shop(['prefs', 'set', 'greeting', 'hello world']);

    const run = await shop(['prefs', '--json']);

    expect(parseJson<Preferences>(run).preferences).to.equal({
      newsletter: true,
      'page.size': 42,
      nickname: null,
      zip: '01234',
      greeting: 'hello world',
    });
  });

  it('lists preferences sorted by key, strings bare and other values as JSON, when piped', async () => {
    await shop(['prefs', 'set', 'newsletter', 'false']);
    await shop(['prefs', 'set', 'locale', 'de-DE']);

    const bare = await shop(['prefs']);
    const list = await shop(['prefs', 'list']);

    expect(bare.stdout).to.equal('locale\tde-DE\nnewsletter\tfalse\n');
    expect(list.stdout).to.equal(bare.stdout);
  });

  it('gets one value for use in $(...)', async () => {
    await shop(['prefs', 'set', 'currency', 'USD']);

    const run = await shop(['prefs', 'get', 'currency']);

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('USD\n');
  });

  it('exits 1 with PREFERENCE_NOT_FOUND for a key that is not set', async () => {
    const run = await shop(['prefs', 'get', 'missing']);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('(PREFERENCE_NOT_FOUND)');
  });

  it('passes on the server refusal of an invalid currency', async () => {
    const run = await shop(['prefs', 'set', 'currency', 'EURO']);

    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('(PREFERENCE_INVALID)');
  });

  it('rejects a malformed key as a usage error', async () => {
    const run = await shop(['prefs', 'set', 'Bad Key', 'x']);

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('lower-case letter');
  });

  it('unsets a key, and says so in JSON', async () => {
    await shop(['prefs', 'set', 'locale', 'en-GB']);

    const run = await shop(['prefs', 'unset', 'locale', '--json']);

    expect(run.code).to.equal(0);
    expect(parseJson(run)).to.equal({ key: 'locale', removed: true, status: 'applied' });
    expect(parseJson<Preferences>(await shop(['prefs', '--json'])).preferences).to.equal({});
  });

  it('needs a login: exits 4 and says to run shop login', async () => {
    await shop(['logout']);

    const run = await shop(['prefs']);

    expect(run.code).to.equal(4);
    expect(run.stderr).to.contain('run `shop login`');
  });

  it('says "Removed" only the first time a preference is unset', async () => {
    await shop(['prefs', 'set', 'nick', 'ada']);
    await shop(['prefs']);

    const first = await shop(['prefs', 'unset', 'nick']);
    const second = await shop(['prefs', 'unset', 'nick']);

    expect(first.stderr).to.equal('Removed nick.\n');
    expect(second.code).to.equal(0);
    expect(second.stderr).to.equal('nick was not set; nothing changed.\n');
  });
});
