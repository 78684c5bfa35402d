import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { ConfigError, loadConfig, parseJwtKeys } from '../../server/config.js';

export const lab = Lab.script();
const { describe, it } = lab;

const secret = 'x'.repeat(32);

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ SHOP_JWT_KEYS: `k1:${secret}` });
    expect(config).to.include({ env: 'development', host: '127.0.0.1', port: 3000, databaseUrl: undefined, dataDir: './data', passwordCost: 17 });
    expect(config.jwt).to.include({ issuer: 'shop', audience: 'shop-api', accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 2592000 });
  });

  it('refuses to start in production without SHOP_JWT_KEYS, and says why', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' }, () => [{ kid: 'dev', secret: Buffer.alloc(32) }])).to.throw(
      ConfigError,
      /SHOP_JWT_KEYS is required when NODE_ENV=production/,
    );
  });

  it('refuses an empty or short secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SHOP_JWT_KEYS: '' })).to.throw(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', SHOP_JWT_KEYS: 'k1:short' })).to.throw(ConfigError, /at least 32 are required/);
  });

  it('falls back to the development secret from the data directory outside production', () => {
    let asked = '';
    const config = loadConfig({ SHOP_DATA_DIR: '/tmp/somewhere' }, (dir) => {
      asked = dir;
      return [{ kid: 'dev', secret: Buffer.alloc(32, 1) }];
    });
    expect(asked).to.equal('/tmp/somewhere');
    expect(config.jwt.keys[0]!.kid).to.equal('dev');
  });

  it('rejects a port that is not a port', () => {
    expect(() => loadConfig({ SHOP_JWT_KEYS: `k1:${secret}`, PORT: '70000' })).to.throw(ConfigError, /PORT/);
  });
});

describe('parseJwtKeys', () => {
  it('parses kid:secret pairs, first one signing, with base64 secrets', () => {
    const keys = parseJwtKeys(`new:base64:${Buffer.alloc(48, 7).toString('base64')}, old:${secret}`);
    expect(keys.map((key) => key.kid)).to.equal(['new', 'old']);
    expect(keys[0]!.secret.length).to.equal(48);
  });

  it('rejects duplicate kids and pairs without a kid', () => {
    expect(() => parseJwtKeys(`a:${secret},a:${secret}`)).to.throw(ConfigError, /unique/);
    expect(() => parseJwtKeys(`:${secret}`)).to.throw(ConfigError);
  });
});
