import { writeFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { UserError } from '../../../cli/errors.js';
import { ConfigStore, type StoredCredentials } from '../../../cli/store/config-store.js';
import { makeConfigDir } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

const login: StoredCredentials = {
  email: 'ada@example.test',
  accessToken: 'access',
  refreshToken: 'refresh',
  expiresAt: 1_700_000_000_000,
};

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('the config store', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await makeConfigDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('writes the credentials file with mode 0600 in a 0700 directory', async () => {
    const store = new ConfigStore(join(dir.path, 'nested', 'shop'));

    await store.saveCredentials('http://127.0.0.1:3000', login);

    expect(await modeOf(store.credentialsPath)).to.equal(0o600);
    expect(await modeOf(store.directory)).to.equal(0o700);
  });

  it('makes an existing world-readable credentials file private again on the next write', async () => {
    const store = new ConfigStore(dir.path);
    await writeFile(store.credentialsPath, '{}', { mode: 0o644 });

    await store.saveCredentials('http://127.0.0.1:3000', login);

    expect(await modeOf(store.credentialsPath)).to.equal(0o600);
  });

  it('re-checks the mode after every write, whatever conf itself did', async () => {
    // A conf that ignores configFileMode, as an older or changed version might.
    class CarelessConf {
      readonly path: string;
      constructor(options: { cwd: string; configName: string }) {
        this.path = join(options.cwd, `${options.configName}.json`);
      }
      set(key: string, value: unknown): void {
        writeFileSync(this.path, JSON.stringify({ [key]: value }), { mode: 0o644 });
      }
    }
    const store = new ConfigStore(dir.path, {
      loadConf: async () => ({ default: CarelessConf }) as unknown as typeof import('conf'),
    });

    await store.saveCredentials('http://127.0.0.1:3000', login);

    expect(await modeOf(store.credentialsPath)).to.equal(0o600);
  });

  it('writes settings with mode 0600 too', async () => {
    const store = new ConfigStore(dir.path);

    await store.setSetting('server', 'https://shop.example.com');

    expect(await modeOf(store.settingsPath)).to.equal(0o600);
    expect(store.getSetting('server')).to.equal('https://shop.example.com');
  });

  it('keeps credentials per server, so a token is only sent where it came from', async () => {
    const store = new ConfigStore(dir.path);

    await store.saveCredentials('http://127.0.0.1:3000', login);
    await store.saveCredentials('https://shop.example.com', { ...login, email: 'other@example.test' });
    await store.deleteCredentials('http://127.0.0.1:3000');

    expect(store.credentials('http://127.0.0.1:3000')).to.be.undefined();
    expect(store.credentials('https://shop.example.com')?.email).to.equal('other@example.test');
  });

  it('reads nothing from a directory that does not exist yet', () => {
    const store = new ConfigStore(join(dir.path, 'missing'));

    expect(store.settings()).to.equal({});
    expect(store.credentials('http://127.0.0.1:3000')).to.be.undefined();
  });

  it('ignores a hand-edited login that lacks a token', async () => {
    const store = new ConfigStore(dir.path);
    await writeFile(store.credentialsPath, JSON.stringify({ 'http://127.0.0.1:3000': { email: 'x' } }), { mode: 0o600 });

    expect(store.credentials('http://127.0.0.1:3000')).to.be.undefined();
  });

  describe('given a broken file', () => {
    const now = Date.parse('2026-03-04T05:06:07.089Z');
    const stamp = '2026-03-04T05-06-07-089Z';

    it('moves a corrupt settings file aside, says where, and starts from defaults next time', async () => {
      const store = new ConfigStore(dir.path, { now: () => now });
      await writeFile(store.settingsPath, '{ not json', { mode: 0o600 });

      expect(() => store.settings()).to.throw(
        UserError,
        `${store.settingsPath} was not valid JSON (corrupt or truncated), so it was moved to ${store.settingsPath}.corrupt-${stamp}; ` +
          'your settings are back to their defaults (set them again with `shop config set`)',
      );
      expect(await readFile(`${store.settingsPath}.corrupt-${stamp}`, 'utf8')).to.equal('{ not json');
      expect(store.settings()).to.equal({});
    });

    it('moves a truncated credentials file aside and says to log in again', async () => {
      const store = new ConfigStore(dir.path, { now: () => now });
      const whole = JSON.stringify({ 'http://127.0.0.1:3000': login });
      await writeFile(store.credentialsPath, whole.slice(0, whole.length / 2), { mode: 0o600 });

      expect(() => store.credentials('http://127.0.0.1:3000')).to.throw(UserError, /moved to .*credentials\.json\.corrupt-2026-03-04T05-06-07-089Z; you are logged out of every server \(run `shop login`\)$/);
      expect(store.credentials('http://127.0.0.1:3000')).to.be.undefined();
    });

    it('treats an empty file and a file without a JSON object as corrupt too', async () => {
      const store = new ConfigStore(dir.path, { now: () => now });
      for (const [text, problem] of [
        ['', 'was empty (truncated?)'],
        ['[1, 2]', 'did not hold a JSON object'],
        ['null', 'did not hold a JSON object'],
      ] as const) {
        await writeFile(store.settingsPath, text, { mode: 0o600 });
        expect(() => store.settings()).to.throw(UserError, new RegExp(`^${store.settingsPath} ${problem.replace(/[()?]/g, '\\$&')}, so it was moved to `));
      }
      // Three files set aside in the same millisecond, none overwriting another.
      expect((await readdir(dir.path)).filter((name) => name.startsWith('config.json.corrupt-')).sort()).to.equal([
        `config.json.corrupt-${stamp}`,
        `config.json.corrupt-${stamp}-1`,
        `config.json.corrupt-${stamp}-2`,
      ]);
    });

    it('treats bytes that are not UTF-8 as corrupt rather than reading a garbled value', async () => {
      const store = new ConfigStore(dir.path, { now: () => now });
      await writeFile(store.settingsPath, Buffer.concat([Buffer.from('{"server": "https://sh'), Buffer.from([0xff, 0xc0]), Buffer.from('op.example"}')]), { mode: 0o600 });

      expect(() => store.settings()).to.throw(UserError, new RegExp(`^${store.settingsPath} was not valid UTF-8 \\(corrupt\\), so it was moved to `));
      expect(store.settings()).to.equal({});
    });

    it('writes a fresh file over a corrupt one, keeping the corrupt one aside', async () => {
      const store = new ConfigStore(dir.path, { now: () => now });
      await writeFile(store.credentialsPath, '{"http://127.0.0.1:3000": {"email": "ada', { mode: 0o600 });

      await store.saveCredentials('http://127.0.0.1:3000', login);

      expect(store.credentials('http://127.0.0.1:3000')).to.equal(login);
      expect(await readFile(`${store.credentialsPath}.corrupt-${stamp}`, 'utf8')).to.startWith('{"http://127.0.0.1:3000"');
    });

    it('says a config path it cannot read at all, such as a directory, is the problem', async () => {
      const store = new ConfigStore(dir.path);
      await mkdir(store.settingsPath);

      expect(() => store.settings()).to.throw(UserError, new RegExp(`^cannot read ${store.settingsPath}: EISDIR`));
    });
  });

  describe('given a credentials file other users can read', () => {
    it('makes it private and refuses this once, saying so', async () => {
      const store = new ConfigStore(dir.path);
      await writeFile(store.credentialsPath, JSON.stringify({ 'http://127.0.0.1:3000': login }), { mode: 0o644 });
      await chmod(store.credentialsPath, 0o644);

      expect(() => store.credentials('http://127.0.0.1:3000')).to.throw(UserError, /could be read by other users \(mode 644\); it is private now \(600\)/);
      expect(await modeOf(store.credentialsPath)).to.equal(0o600);
      expect(store.credentials('http://127.0.0.1:3000')).to.equal(login);
    });

    it('leaves file modes alone where they mean nothing', async () => {
      const store = new ConfigStore(dir.path, { checkFileMode: false });
      await writeFile(store.credentialsPath, JSON.stringify({ 'http://127.0.0.1:3000': login }));
      await chmod(store.credentialsPath, 0o644);

      expect(store.credentials('http://127.0.0.1:3000')).to.equal(login);
      expect(await modeOf(store.credentialsPath)).to.equal(0o644);
    });
  });
});
