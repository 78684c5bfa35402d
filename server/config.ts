import Joi from 'joi';

/** One HMAC signing key. The first key of `Config.jwt.keys` signs; every key verifies. */
export interface JwtKey {
  kid: string;
  secret: Buffer;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** `postgres://…` → Postgres; a path, `sqlite:` URL or `:memory:` → SQLite; unset → `<dataDir>/shop.db`. */
  databaseUrl: string | undefined;
  /** Where the embedded database and the development JWT secret live. */
  dataDir: string;
  jwt: {
    keys: JwtKey[];
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
  };
  /** log2 of scrypt's N for new password hashes. 17 in production; tests lower it. Stored hashes keep their own. */
  passwordCost: number;
  /** How long in-flight requests get to finish on SIGTERM. */
  shutdownTimeoutMs: number;
  /** Seed the demo catalog into an empty products table at start-up. */
  seedCatalog: boolean;
}

/** Smallest secret accepted: 32 bytes, HS256's own block of security. */
export const MIN_SECRET_BYTES = 32;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const internals = {
  schema: Joi.object({
    NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
    HOST: Joi.string().hostname().default('127.0.0.1'),
    PORT: Joi.number().integer().min(0).max(65535).default(3000),
    DATABASE_URL: Joi.string().trim().min(1),
    SHOP_DATA_DIR: Joi.string().default('./data'),
    SHOP_JWT_KEYS: Joi.string().trim().min(1),
    SHOP_JWT_ISSUER: Joi.string().default('shop'),
    SHOP_JWT_AUDIENCE: Joi.string().default('shop-api'),
    SHOP_ACCESS_TOKEN_TTL: Joi.number().integer().min(10).max(24 * 3600).default(15 * 60),
    SHOP_REFRESH_TOKEN_TTL: Joi.number().integer().min(60).max(365 * 24 * 3600).default(30 * 24 * 3600),
    SHOP_PASSWORD_COST: Joi.number().integer().min(10).max(20).default(17),
    SHOP_SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).max(120_000).default(10_000),
    SHOP_SEED_CATALOG: Joi.boolean().truthy('1').falsy('0').default(true),
  }).unknown(true),
};

/**
 * Parses `SHOP_JWT_KEYS`: comma-separated `kid:secret` pairs. A secret is taken as its UTF-8 bytes, or as bytes when
 * written `base64:…`. Every secret must have at least {@link MIN_SECRET_BYTES} bytes, and kids must be unique.
 */
export function parseJwtKeys(value: string): JwtKey[] {
  const keys = value
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair.length > 0)
    .map((pair): JwtKey => {
      const colon = pair.indexOf(':');
      if (colon <= 0) {
        throw new ConfigError('SHOP_JWT_KEYS must be comma-separated kid:secret pairs');
      }
      const kid = pair.slice(0, colon);
      const raw = pair.slice(colon + 1);
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
        throw new ConfigError(`SHOP_JWT_KEYS: key id "${kid}" must be 1-64 of A-Z a-z 0-9 . _ -`);
      }
      const secret = raw.startsWith('base64:') ? Buffer.from(raw.slice(7), 'base64') : Buffer.from(raw, 'utf8');
      if (secret.length < MIN_SECRET_BYTES) {
        throw new ConfigError(
          `SHOP_JWT_KEYS: the secret of key "${kid}" has ${secret.length} bytes; at least ${MIN_SECRET_BYTES} are required`,
        );
      }
      return { kid, secret };
    });
  if (keys.length === 0) {
    throw new ConfigError('SHOP_JWT_KEYS is empty');
  }
  const kids = new Set(keys.map((key) => key.kid));
  if (kids.size !== keys.length) {
    throw new ConfigError('SHOP_JWT_KEYS: key ids must be unique');
  }
  return keys;
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

  let keys: JwtKey[];
  if (keysValue !== undefined) {
    keys = parseJwtKeys(keysValue);
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
      keys,
      issuer: settings.SHOP_JWT_ISSUER as string,
      audience: settings.SHOP_JWT_AUDIENCE as string,
      accessTokenTtlSeconds: settings.SHOP_ACCESS_TOKEN_TTL as number,
      refreshTokenTtlSeconds: settings.SHOP_REFRESH_TOKEN_TTL as number,
    },
    passwordCost: settings.SHOP_PASSWORD_COST as number,
    shutdownTimeoutMs: settings.SHOP_SHUTDOWN_TIMEOUT_MS as number,
    seedCatalog: settings.SHOP_SEED_CATALOG as boolean,
  };
}
