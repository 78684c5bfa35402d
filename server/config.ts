import { availableParallelism } from 'node:os';

import Joi from 'joi';

import { JWT_ALGORITHMS, type JwtAlgorithm, type JwtKey, MIN_SECRET_BYTES, parseJwtKeys } from './auth/jwt-keys.js';
import type { PasswordHashingLimits } from './auth/hashing-gate.js';
import type { LoginThrottleSettings } from './auth/login-throttle.js';
import type { RegistrationThrottleSettings } from './auth/registration-throttle.js';
import { parseTrustedProxies, type TrustedProxies } from './client-address.js';
import { ConfigError } from './config-error.js';

export { ConfigError } from './config-error.js';
export { type JwtAlgorithm, type JwtKey, MIN_SECRET_BYTES, parseJwtKeys } from './auth/jwt-keys.js';

/** pino's levels; `silent` logs nothing. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** `postgres://…` → Postgres; a path, `sqlite:` URL or `:memory:` → SQLite; unset → `<dataDir>/shop.db`. */
  databaseUrl: string | undefined;
  /** Where the embedded database and the development JWT secret live. */
  dataDir: string;
  jwt: {
    /** The one algorithm tokens are signed and accepted with. */
    algorithm: JwtAlgorithm;
    /** Of the kind `algorithm` needs. The first signs; every key verifies. */
    keys: JwtKey[];
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
  };
  /** log2 of scrypt's N for new password hashes. 17 in production; tests lower it. Stored hashes keep their own. */
  passwordCost: number;
  /** How long `/readyz` fails before the server stops accepting, on SIGTERM, so load balancers stop sending first. */
  drainDelayMs: number;
  /** How long in-flight requests get to finish on SIGTERM, after the drain delay. */
  shutdownTimeoutMs: number;
  /** Seed the demo catalog into an empty products table at start-up. */
  seedCatalog: boolean;
  logLevel: LogLevel;
  /** Proxies whose `X-Forwarded-For` names the client; empty: the connecting address is the client. */
  trustedProxies: TrustedProxies;
  loginThrottle: LoginThrottleSettings;
  registrationThrottle: RegistrationThrottleSettings;
  passwordHashing: PasswordHashingLimits;
  /** SQLite only: the largest the database file may grow to; writes past it answer 503 STORAGE_FULL. Unbounded if unset. */
  sqliteMaxBytes: number | undefined;
  /** How long a client gets to send a request body once it started, before 408; also bounds the headers' arrival. */
  bodyTimeoutMs: number;
  /** Processes to run on this machine with node:cluster; 1 runs the server in this process. */
  workers: number;
  /** `max-age` of catalogue answers (`Cache-Control: public`), in seconds: how stale a CDN or browser may show them. */
  catalogMaxAgeSeconds: number;
  /** Idempotency-Key records: how long each is kept, and most kept per user (the oldest goes first). */
  idempotency: { retentionSeconds: number; maxRecordsPerUser: number };
  /**
   * Check every store call for use of the root store inside a transaction (see TransactionScope). Off unless asked for:
   * it turns on promise hooks for the whole process, which halves throughput. The test suite runs with it on.
   */
  debugTransactions: boolean;
  /** Most devices one user keeps for `shop sync`; one more evicts the least recently seen. */
  maxDevicesPerUser: number;
  /** Guests (`POST /auth/guest`) untouched this long are deleted by housekeeping, cart and all. */
  guestTtlSeconds: number;
}

const internals = {
  schema: Joi.object({
    NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
    HOST: Joi.string().hostname().default('127.0.0.1'),
    PORT: Joi.number().integer().min(0).max(65535).default(3000),
    DATABASE_URL: Joi.string().trim().min(1),
    SHOP_DATA_DIR: Joi.string().default('./data'),
    SHOP_JWT_ALG: Joi.string().valid(...JWT_ALGORITHMS).default('HS256'),
    SHOP_JWT_KEYS: Joi.string().trim().min(1),
    SHOP_JWT_ISSUER: Joi.string().default('shop'),
    SHOP_JWT_AUDIENCE: Joi.string().default('shop-api'),
    SHOP_ACCESS_TOKEN_TTL: Joi.number().integer().min(10).max(24 * 3600).default(15 * 60),
    SHOP_REFRESH_TOKEN_TTL: Joi.number().integer().min(60).max(365 * 24 * 3600).default(30 * 24 * 3600),
    SHOP_PASSWORD_COST: Joi.number().integer().min(10).max(20).default(17),
    SHOP_DRAIN_DELAY_MS: Joi.number().integer().min(0).max(120_000).default(0),
    SHOP_SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).max(120_000).default(10_000),
    SHOP_SEED_CATALOG: Joi.boolean().truthy('1').falsy('0').default(true),
    LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
    SHOP_TRUSTED_PROXIES: Joi.string().allow('').default(''),
    SHOP_LOGIN_MAX_FAILURES: Joi.number().integer().min(1).max(10_000).default(10),
    SHOP_LOGIN_MAX_FAILURES_PER_ADDRESS: Joi.number().integer().min(1).max(1_000_000).default(100),
    SHOP_LOGIN_WINDOW: Joi.number().integer().min(1).max(24 * 3600).default(15 * 60),
    SHOP_REGISTER_MAX_PER_ADDRESS: Joi.number().integer().min(1).max(1_000_000).default(20),
    SHOP_REGISTER_WINDOW: Joi.number().integer().min(1).max(7 * 24 * 3600).default(3600),
    SHOP_HASHES_IN_FLIGHT: Joi.number().integer().min(1).max(1024),
    SHOP_REGISTER_HASHES_IN_FLIGHT: Joi.number().integer().min(1).max(1024),
    SHOP_SQLITE_MAX_BYTES: Joi.number().integer().min(1024 * 1024),
    SHOP_BODY_TIMEOUT_MS: Joi.number().integer().min(100).max(120_000).default(10_000),
    WORKERS: Joi.number().integer().min(1).max(256).default(1),
    SHOP_CATALOG_MAX_AGE: Joi.number().integer().min(0).max(7 * 24 * 3600).default(60),
    SHOP_IDEMPOTENCY_RETENTION: Joi.number().integer().min(60).max(365 * 24 * 3600).default(24 * 3600),
    SHOP_IDEMPOTENCY_MAX_PER_USER: Joi.number().integer().min(10).max(1_000_000).default(1000),
    SHOP_DEBUG_TRANSACTIONS: Joi.boolean().truthy('1').falsy('0').default(false),
    SHOP_MAX_DEVICES: Joi.number().integer().min(1).max(10_000).default(10),
    // At least two hours: a guest's last use is recorded to the hour.
    SHOP_GUEST_TTL: Joi.number().integer().min(2 * 3600).max(365 * 24 * 3600).default(30 * 24 * 3600),
  }).unknown(true),
};

/**
 * By default the bounds follow libuv's thread pool, where scrypt runs (4 threads unless `UV_THREADPOOL_SIZE` says
 * otherwise): twice as many hashes in flight as threads, so a short queue forms and no more. Registrations get at most
 * half of the threads or of the CPUs, whichever is fewer (scrypt is CPU-bound: threads beyond the cores only share
 * them), so logins always find CPU free. Measured on 2 cores: 2 registrations in flight doubled the login p50 under a
 * flood, 1 left it as at rest.
 */
function passwordHashingLimits(
  threadPoolSize: string | undefined,
  cpus: number,
  maxInFlight: number | undefined,
  maxRegistrations: number | undefined,
): PasswordHashingLimits {
  const threads = Math.max(1, Math.min(1024, Number.parseInt(threadPoolSize ?? '', 10) || 4));
  const total = maxInFlight ?? 2 * threads;
  return { maxInFlight: total, maxRegistrationsInFlight: Math.min(total, maxRegistrations ?? Math.max(1, Math.floor(Math.min(threads, cpus) / 2))) };
}

/**
 * Builds the configuration from environment variables. Pure: the caller supplies `fallbackKeys` (main.ts reads or
 * creates the development secret in the data directory); in production there is no fallback and a missing secret is an error.
 */
export function loadConfig(env: NodeJS.ProcessEnv, fallbackKeys?: (dataDir: string) => JwtKey[]): Config {
  const { value, error } = internals.schema.validate(env, { abortEarly: true, convert: true });
  if (error) {
    throw new ConfigError(`invalid environment: ${error.message}`);
  }
  const settings = value as Record<string, string | number | boolean | undefined>;
  const nodeEnv = settings.NODE_ENV as Config['env'];
  const keysValue = settings.SHOP_JWT_KEYS as string | undefined;
  const algorithm = settings.SHOP_JWT_ALG as JwtAlgorithm;

  let keys: JwtKey[];
  if (keysValue !== undefined) {
    keys = parseJwtKeys(keysValue, algorithm);
  } else if (algorithm !== 'HS256') {
    throw new ConfigError(
      `SHOP_JWT_KEYS is required with SHOP_JWT_ALG=${algorithm}: set it to kid:<PEM private key>, e.g. ` +
        'SHOP_JWT_KEYS="k1:base64:$(base64 -w0 k1.pem)"',
    );
  } else if (nodeEnv === 'production') {
    throw new ConfigError(
      `SHOP_JWT_KEYS is required when NODE_ENV=production: set it to kid:secret with a secret of at least ${MIN_SECRET_BYTES} bytes ` +
        '(e.g. SHOP_JWT_KEYS="k1:base64:$(openssl rand -base64 48)"), so every instance signs and verifies with the same key',
    );
  } else if (fallbackKeys) {
    keys = fallbackKeys(settings.SHOP_DATA_DIR as string);
  } else {
    throw new ConfigError('SHOP_JWT_KEYS is not set');
  }

  return {
    env: nodeEnv,
    host: settings.HOST as string,
    port: settings.PORT as number,
    databaseUrl: settings.DATABASE_URL as string | undefined,
    dataDir: settings.SHOP_DATA_DIR as string,
    jwt: {
      algorithm,
      keys,
      issuer: settings.SHOP_JWT_ISSUER as string,
      audience: settings.SHOP_JWT_AUDIENCE as string,
      accessTokenTtlSeconds: settings.SHOP_ACCESS_TOKEN_TTL as number,
      refreshTokenTtlSeconds: settings.SHOP_REFRESH_TOKEN_TTL as number,
    },
    passwordCost: settings.SHOP_PASSWORD_COST as number,
    drainDelayMs: settings.SHOP_DRAIN_DELAY_MS as number,
    shutdownTimeoutMs: settings.SHOP_SHUTDOWN_TIMEOUT_MS as number,
    seedCatalog: settings.SHOP_SEED_CATALOG as boolean,
    logLevel: settings.LOG_LEVEL as LogLevel,
    trustedProxies: parseTrustedProxies(settings.SHOP_TRUSTED_PROXIES as string),
    loginThrottle: {
      maxFailuresPerAccount: settings.SHOP_LOGIN_MAX_FAILURES as number,
      maxFailuresPerAddress: settings.SHOP_LOGIN_MAX_FAILURES_PER_ADDRESS as number,
      windowSeconds: settings.SHOP_LOGIN_WINDOW as number,
    },
    registrationThrottle: {
      maxPerAddress: settings.SHOP_REGISTER_MAX_PER_ADDRESS as number,
      windowSeconds: settings.SHOP_REGISTER_WINDOW as number,
    },
    passwordHashing: passwordHashingLimits(
      env.UV_THREADPOOL_SIZE,
      availableParallelism(),
      settings.SHOP_HASHES_IN_FLIGHT as number | undefined,
      settings.SHOP_REGISTER_HASHES_IN_FLIGHT as number | undefined,
    ),
    bodyTimeoutMs: settings.SHOP_BODY_TIMEOUT_MS as number,
    sqliteMaxBytes: settings.SHOP_SQLITE_MAX_BYTES as number | undefined,
    workers: settings.WORKERS as number,
    catalogMaxAgeSeconds: settings.SHOP_CATALOG_MAX_AGE as number,
    idempotency: {
      retentionSeconds: settings.SHOP_IDEMPOTENCY_RETENTION as number,
      maxRecordsPerUser: settings.SHOP_IDEMPOTENCY_MAX_PER_USER as number,
    },
    maxDevicesPerUser: settings.SHOP_MAX_DEVICES as number,
    guestTtlSeconds: settings.SHOP_GUEST_TTL as number,
    debugTransactions: settings.SHOP_DEBUG_TRANSACTIONS as boolean,
  };
}
