import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type RunningApiServer, startApiServer } from '../../helpers/api-server.js';
import { makeConfigDir, parseJson, runShop } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

describe('shop config', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await makeConfigDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('lists the server setting with its default when nothing is set', async () => {
    const run = await runShop(['config', 'list'], { configDir: dir.path });

    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal('server\thttp://127.0.0.1:3000\tdefault\n');
  });

  it('lists the value in use and where it comes from: --server, SHOP_SERVER, the config file', async () => {
    await runShop(['config', 'set', 'server', 'https://file.example'], { configDir: dir.path });

    const file = await runShop(['config', 'list'], { configDir: dir.path });
    const env = await runShop(['config', 'list'], { configDir: dir.path, env: { SHOP_SERVER: 'https://env.example' } });
    const flag = await runShop(['config', 'list', '--server', 'https://flag.example', '--json'], { configDir: dir.path, env: { SHOP_SERVER: 'https://env.example' } });

    expect(file.stdout).to.equal('server\thttps://file.example\tconfig file\n');
    expect(env.stdout).to.equal('server\thttps://env.example\tSHOP_SERVER\n');
    expect(parseJson(flag)).to.equal({ server: 'https://flag.example', sources: { server: '--server' } });
  });

  it('stores a server URL without its trailing slash and prints it back', async () => {
    const set = await runShop(['config', 'set', 'server', 'https://shop.example.com/'], { configDir: dir.path });
    const get = await runShop(['config', 'get', 'server'], { configDir: dir.path });

    expect(set.code).to.equal(0);
    expect(set.stdout).to.equal('');
    expect(get.stdout).to.equal('https://shop.example.com\n');
    expect(parseJson(await runShop(['config', '--json'], { configDir: dir.path }))).to.equal({
      server: 'https://shop.example.com',
      sources: { server: 'config file' },
    });
  });

  it('refuses a server that is not an http(s) URL as a usage error', async () => {
    const run = await runShop(['config', 'set', 'server', 'ftp://example.com'], { configDir: dir.path });

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('http:// or https://');
  });

  it('refuses an unknown key as a usage error, naming the known ones', async () => {
    const run = await runShop(['config', 'set', 'colour', 'blue'], { configDir: dir.path });

    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('unknown config key "colour"; known keys: server');
  });

  it('goes back to the default with unset', async () => {
    await runShop(['config', 'set', 'server', 'https://shop.example.com'], { configDir: dir.path });

    await runShop(['config', 'unset', 'server'], { configDir: dir.path });

    const get = await runShop(['config', 'get', 'server'], { configDir: dir.path });
    expect(get.stdout).to.equal('http://127.0.0.1:3000\n');
  });

  describe('choosing the server', () => {
    let api: RunningApiServer;

    beforeEach(async () => {
      api = await startApiServer();
    });

    afterEach(async () => {
      await api.stop();
    });

    const serverOf = async (argv: string[], env: Record<string, string>) => {
      const run = await runShop([...argv, 'status', '--json'], { configDir: dir.path, env });
      return parseJson<{ server: string; serverSource: string }>(run);
    };

    it('uses the configured server when neither --server nor SHOP_SERVER is given', async () => {
      await runShop(['config', 'set', 'server', api.url], { configDir: dir.path });

      expect(await serverOf([], {})).to.include({ server: api.url, serverSource: 'config' });
    });

    it('prefers SHOP_SERVER over the configured server, and --server over both', async () => {
      await runShop(['config', 'set', 'server', 'http://127.0.0.1:9'], { configDir: dir.path });

      expect(await serverOf([], { SHOP_SERVER: api.url })).to.include({ server: api.url, serverSource: 'env' });
      expect(await serverOf(['--server', api.url], { SHOP_SERVER: 'http://127.0.0.1:9' })).to.include({
        server: api.url,
        serverSource: 'flag',
      });
    });

    it('names SHOP_SERVER when it is not a URL', async () => {
      const run = await runShop(['cart'], { configDir: dir.path, env: { SHOP_SERVER: 'localhost:3000' } });

      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain('SHOP_SERVER must be an http:// or https:// URL');
    });
  });
});
