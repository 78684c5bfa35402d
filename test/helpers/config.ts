import type { Config } from '../../server/config.js';

/** A complete configuration for tests: fixed keys, cheap password hashing, no listening port, no seeding side effects. */
export function testConfig(overrides: Partial<Omit<Config, 'jwt'>> & { jwt?: Partial<Config['jwt']> } = {}): Config {
  const { jwt, ...rest } = overrides;
  return {
    env: 'test',
    host: '127.0.0.1',
    port: 0,
    databaseUrl: ':memory:',
    dataDir: './data',
    passwordCost: 10,
    shutdownTimeoutMs: 2000,
    seedCatalog: true,
    ...rest,
    jwt: {
      keys: [{ kid: 'test-1', secret: Buffer.from('a-test-secret-that-is-long-enough-for-hs256!!', 'utf8') }],
      issuer: 'shop',
      audience: 'shop-api',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 24 * 3600,
      ...jwt,
    },
  };
}
