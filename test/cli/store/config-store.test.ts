import { writeFileSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
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
    await writeFile(store.credentialsPath, JSON.stringify({ 'http://127.0.0.1:3000': { email: 'x' } }));

    expect(store.credentials('http://127.0.0.1:3000')).to.be.undefined();
  });

  it('names a corrupt file and says what to do about it', async () => {
    const store = new ConfigStore(dir.path);
    await writeFile(store.settingsPath, '{ not json');

    expect(() => store.settings()).to.throw(UserError, `${store.settingsPath} is not valid JSON; fix it or delete it`);
  });
});
