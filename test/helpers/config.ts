import type { HmacKey, JwtKey } from '../../server/auth/jwt-keys.js';
import type { Config } from '../../server/config.js';
import { parseTrustedProxies } from '../../server/client-address.js';

/** The HS256 key every test server signs with. */
export const testKey: HmacKey = { kid: 'test-1', secret: Buffer.from('a-test-secret-that-is-long-enough-for-hs256!!', 'utf8') };

/** A test configuration whose keys are known to be of kind `K`: HS256 secrets unless a test passes others. */
export type TestConfig<K extends JwtKey = HmacKey> = Config & { jwt: Config['jwt'] & { keys: K[] } };

export type TestConfigOverrides<K extends JwtKey> = Partial<Omit<Config, 'jwt'>> & { jwt?: Partial<Omit<Config['jwt'], 'keys'>> & { keys?: K[] } };

/** A complete configuration for tests: fixed keys, cheap password hashing, no listening port, no seeding side effects. */
export function testConfig<K extends JwtKey = HmacKey>(overrides: TestConfigOverrides<K> = {}): TestConfig<K> {
  const { jwt, ...rest } = overrides;
  return {
    env: 'test',
    host: '127.0.0.1',
    port: 0,
    databaseUrl: ':memory:',
    dataDir: './data',
    passwordCost: 10,
    drainDelayMs: 0,
    shutdownTimeoutMs: 2000,
    seedCatalog: true,
    logLevel: 'silent',
    trustedProxies: parseTrustedProxies(''),
    // Generous enough that suites logging in many times from one address never meet them; throttle tests lower them.
    loginThrottle: { maxFailuresPerAccount: 10, maxFailuresPerAddress: 10_000, windowSeconds: 900 },
    // Suites register many users from one address; the flood and address-limit tests lower these.
    registrationThrottle: { maxPerAddress: 1_000_000, windowSeconds: 3600 },
    passwordHashing: { maxInFlight: 1024, maxRegistrationsInFlight: 1024 },
    bodyTimeoutMs: 10_000,
    sqliteMaxBytes: undefined,
    workers: 1,
    catalogMaxAgeSeconds: 60,
    idempotency: { retentionSeconds: 24 * 3600, maxRecordsPerUser: 1000 },
    maxDevicesPerUser: 10,
    guestTtlSeconds: 30 * 24 * 3600,
    debugTransactions: true,
    ...rest,
    jwt: {
      algorithm: 'HS256',
      keys: [testKey as K],
      issuer: 'shop',
      audience: 'shop-api',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 24 * 3600,
      ...jwt,
    },
  };
}
