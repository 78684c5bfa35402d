import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { DatabaseUrlError, resolveDatabaseTarget } from '../../server/db/database-url.js';
import { openStore } from '../../server/db/open-store.js';
import type { Store } from '../../server/db/store.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

describe('resolveDatabaseTarget', () => {
  it('takes postgres:// and postgresql:// URLs for Postgres', () => {
    expect(resolveDatabaseTarget('postgres://u:p@db:5432/shop', '/data')).to.equal({
      dialect: 'postgres',
      url: 'postgres://u:p@db:5432/shop',
    });
    expect(resolveDatabaseTarget('postgresql://db/shop?sslmode=require', '/data')).to.equal({
      dialect: 'postgres',
      url: 'postgresql://db/shop?sslmode=require',
    });
  });

  it('reads the sqlite: URL forms', () => {
    expect(resolveDatabaseTarget('sqlite:relative/shop.db', '/data')).to.equal({
      dialect: 'sqlite',
      filename: 'relative/shop.db',
      isDefault: false,
    });
    expect(resolveDatabaseTarget('sqlite:///var/lib/shop.db', '/data')).to.equal({
      dialect: 'sqlite',
      filename: '/var/lib/shop.db',
      isDefault: false,
    });
    expect(resolveDatabaseTarget('sqlite::memory:', '/data')).to.equal({ dialect: 'sqlite', filename: ':memory:', isDefault: false });
  });

  it('takes a plain path or :memory: for SQLite', () => {
    expect(resolveDatabaseTarget('./shop.db', '/data')).to.equal({ dialect: 'sqlite', filename: './shop.db', isDefault: false });
    expect(resolveDatabaseTarget('/srv/shop.db', '/data')).to.equal({ dialect: 'sqlite', filename: '/srv/shop.db', isDefault: false });
    expect(resolveDatabaseTarget(':memory:', '/data')).to.equal({ dialect: 'sqlite', filename: ':memory:', isDefault: false });
  });

  it('uses <dataDir>/shop.db when the URL is unset or blank', () => {
    const expected = { dialect: 'sqlite' as const, filename: join('/data', 'shop.db'), isDefault: true };

    expect(resolveDatabaseTarget(undefined, '/data')).to.equal(expected);
    expect(resolveDatabaseTarget('  ', '/data')).to.equal(expected);
  });

  it('refuses other schemes and sqlite:// without an absolute path', () => {
    expect(() => resolveDatabaseTarget('mysql://db/shop', '/data')).to.throw(DatabaseUrlError, /"mysql:", which is not supported/);
    expect(() => resolveDatabaseTarget('sqlite://shop.db', '/data')).to.throw(DatabaseUrlError, /absolute path/);
    expect(() => resolveDatabaseTarget('sqlite:', '/data')).to.throw(DatabaseUrlError, /names no file/);
  });
});

describe('openStore', () => {
  let dir: string;
  let store: Store | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-open-'));
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the data directory and <dataDir>/shop.db when no URL is set', async () => {
    const dataDir = join(dir, 'nested', 'data');

    store = await openStore({ dataDir });

    expect(store.dialect).to.equal('sqlite');
    expect(existsSync(join(dataDir, 'shop.db'))).to.be.true();
  });

  it('opens a migrated SQLite file named by a sqlite:/// URL', async () => {
    const file = join(dir, 'url.db');

    store = await openStore({ url: `sqlite://${file}`, dataDir: join(dir, 'unused') });

    expect(existsSync(file)).to.be.true();
    expect(existsSync(join(dir, 'unused'))).to.be.false();
    expect((await store.products.list({ limit: 1, offset: 0 })).total).to.equal(0);
  });

  it('opens a SQLite file named by a plain path', async () => {
    const file = join(dir, 'plain.db');

    store = await openStore({ url: file, dataDir: dir });

    expect(existsSync(file)).to.be.true();
    await expect(store.ping()).to.not.reject();
  });

  it('creates the missing directories of a SQLite file path', async () => {
    const file = join(dir, 'var', 'lib', 'shop.db');

    store = await openStore({ url: file, dataDir: join(dir, 'unused') });

    expect(existsSync(file)).to.be.true();
    expect(existsSync(join(dir, 'unused'))).to.be.false();
  });

  it('opens an in-memory SQLite database for :memory: and sqlite::memory:', async () => {
    for (const url of [':memory:', 'sqlite::memory:']) {
      const memory = await openStore({ url, dataDir: join(dir, 'unused') });
      expect(memory.dialect).to.equal('sqlite');
      expect(await memory.users.findById('x')).to.be.null();
      await memory.close();
    }
    expect(existsSync(join(dir, 'unused'))).to.be.false();
  });

  it('rejects an unsupported URL before touching anything', async () => {
    await expect(openStore({ url: 'mysql://db/shop', dataDir: join(dir, 'unused') })).to.reject(DatabaseUrlError);
    expect(existsSync(join(dir, 'unused'))).to.be.false();
  });
});
