import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { HmacKey } from '../../server/auth/jwt-keys.js';
import { ConfigError, loadConfig, parseJwtKeys } from '../../server/config.js';
import { ecPrivateKeyPem, rsaPrivateKeyPem } from '../helpers/jwt-keys.js';

export const lab = Lab.script();
const { describe, it } = lab;

const secret = 'x'.repeat(32);

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ SHOP_JWT_KEYS: `k1:${secret}` });
    expect(config).to.include({ env: 'development', host: '127.0.0.1', port: 3000, databaseUrl: undefined, dataDir: './data', passwordCost: 17 });
    expect(config.jwt).to.include({ issuer: 'shop', audience: 'shop-api', accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 2592000 });
  });

  it('documents the security limits: registrations per address, hashing in flight, body timeout', () => {
    const config = loadConfig({ SHOP_JWT_KEYS: `k1:${secret}` });
    expect(config.registrationThrottle).to.equal({ maxPerAddress: 20, windowSeconds: 3600 });
    expect(config.passwordHashing.maxInFlight).to.equal(8);
    expect(config.passwordHashing.maxRegistrationsInFlight).to.be.within(1, 2);
    expect(config.bodyTimeoutMs).to.equal(10_000);
    expect(config.sqliteMaxBytes).to.be.undefined();
    const set = loadConfig({ SHOP_JWT_KEYS: `k1:${secret}`, UV_THREADPOOL_SIZE: '16', SHOP_REGISTER_HASHES_IN_FLIGHT: '3', SHOP_BODY_TIMEOUT_MS: '2000' });
    expect(set.passwordHashing).to.equal({ maxInFlight: 32, maxRegistrationsInFlight: 3 });
    expect(set.bodyTimeoutMs).to.equal(2000);
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

  it('documents its defaults for operations: log level, drain delay, login limits, proxies, workers', () => {
    const config = loadConfig({ SHOP_JWT_KEYS: `k1:${secret}` });
    expect(config).to.include({ logLevel: 'info', drainDelayMs: 0, shutdownTimeoutMs: 10_000, workers: 1 });
    expect(config.jwt.algorithm).to.equal('HS256');
    expect(config.loginThrottle).to.equal({ maxFailuresPerAccount: 10, maxFailuresPerAddress: 100, windowSeconds: 900 });
    expect(config.trustedProxies.check('127.0.0.1')).to.be.false();
  });

  it('leaves the transaction-misuse check off in every mode unless SHOP_DEBUG_TRANSACTIONS asks for it', () => {
    expect(loadConfig({ SHOP_JWT_KEYS: `k1:${secret}` }).debugTransactions).to.be.false();
    expect(loadConfig({ NODE_ENV: 'production', SHOP_JWT_KEYS: `k1:${secret}` }).debugTransactions).to.be.false();
    expect(loadConfig({ SHOP_JWT_KEYS: `k1:${secret}`, SHOP_DEBUG_TRANSACTIONS: '1' }).debugTransactions).to.be.true();
  });

  it('reads the operational settings from the environment', () => {
    const config = loadConfig({
      SHOP_JWT_KEYS: `k1:${secret}`,
      LOG_LEVEL: 'warn',
      SHOP_DRAIN_DELAY_MS: '5000',
      SHOP_LOGIN_MAX_FAILURES: '5',
      SHOP_LOGIN_MAX_FAILURES_PER_ADDRESS: '50',
      SHOP_LOGIN_WINDOW: '600',
      SHOP_TRUSTED_PROXIES: '10.0.0.0/8',
      WORKERS: '4',
    });
    expect(config).to.include({ logLevel: 'warn', drainDelayMs: 5000, workers: 4 });
    expect(config.loginThrottle).to.equal({ maxFailuresPerAccount: 5, maxFailuresPerAddress: 50, windowSeconds: 600 });
    expect(config.trustedProxies.check('10.9.8.7')).to.be.true();
  });

  it('refuses an unknown log level, algorithm or proxy', () => {
    expect(() => loadConfig({ SHOP_JWT_KEYS: `k1:${secret}`, LOG_LEVEL: 'loud' })).to.throw(ConfigError, /LOG_LEVEL/);
    expect(() => loadConfig({ SHOP_JWT_KEYS: `k1:${secret}`, SHOP_JWT_ALG: 'none' })).to.throw(ConfigError, /SHOP_JWT_ALG/);
    expect(() => loadConfig({ SHOP_JWT_KEYS: `k1:${secret}`, SHOP_TRUSTED_PROXIES: 'proxy.local' })).to.throw(ConfigError);
  });

  it('takes PEM private keys for RS256, inline, with escaped newlines or in base64, and needs them even outside production', () => {
    const pem = rsaPrivateKeyPem();
    const escaped = pem.replaceAll('\n', '\\n');
    const base64 = Buffer.from(pem).toString('base64');
    const config = loadConfig({ SHOP_JWT_ALG: 'RS256', SHOP_JWT_KEYS: `a:${pem},b:${escaped},c:base64:${base64}` });
    expect(config.jwt.algorithm).to.equal('RS256');
    expect(config.jwt.keys.map((key) => [key.kid, 'publicKey' in key && key.publicKey.startsWith('-----BEGIN PUBLIC KEY-----')])).to.equal([
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
    expect(() => loadConfig({ SHOP_JWT_ALG: 'RS256' }, () => [{ kid: 'dev', secret: Buffer.alloc(32) }])).to.throw(
      ConfigError,
      /SHOP_JWT_KEYS is required with SHOP_JWT_ALG=RS256/,
    );
  });

  it('refuses a key of the wrong kind or strength for the algorithm', () => {
    expect(() => parseJwtKeys(`k:${secret}`, 'RS256')).to.throw(ConfigError, /not a PEM private key/);
    expect(() => parseJwtKeys(`k:${ecPrivateKeyPem()}`, 'RS256')).to.throw(ConfigError, /RSA private key/);
    expect(() => parseJwtKeys(`k:${rsaPrivateKeyPem(1024)}`, 'RS256')).to.throw(ConfigError, /2048 bits/);
    expect(() => parseJwtKeys(`k:${ecPrivateKeyPem('secp384r1')}`, 'ES256')).to.throw(ConfigError, /P-256/);
  });

  it('rejects a port that is not a port', () => {
    expect(() => loadConfig({ SHOP_JWT_KEYS: `k1:${secret}`, PORT: '70000' })).to.throw(ConfigError, /PORT/);
  });
});

describe('parseJwtKeys', () => {
  it('parses kid:secret pairs, first one signing, with base64 secrets', () => {
    const keys = parseJwtKeys(`new:base64:${Buffer.alloc(48, 7).toString('base64')}, old:${secret}`);
    expect(keys.map((key) => key.kid)).to.equal(['new', 'old']);
    expect((keys[0] as HmacKey).secret.length).to.equal(48);
  });

  it('rejects duplicate kids and pairs without a kid', () => {
    expect(() => parseJwtKeys(`a:${secret},a:${secret}`)).to.throw(ConfigError, /unique/);
    expect(() => parseJwtKeys(`:${secret}`)).to.throw(ConfigError);
  });
});
