import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

import { ConfigError } from '../config-error.js';

/** The access-token algorithms the server can be configured with. Exactly one is accepted at a time. */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256'];

/** An HS256 key: a secret every instance shares. */
export interface HmacKey {
  kid: string;
  secret: Buffer;
}

/** An RS256 or ES256 key: the private half signs, the public half verifies and is published at /.well-known/jwks.json. */
export interface AsymmetricKey {
  kid: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** SPKI PEM. */
  publicKey: string;
}

/** One signing key, of the kind `Config.jwt.algorithm` names. The first configured key signs; every key verifies. */
export type JwtKey = HmacKey | AsymmetricKey;

/** Smallest secret accepted: 32 bytes, HS256's own block of security. */
export const MIN_SECRET_BYTES = 32;

/** RSA keys shorter than this are refused (NIST SP 800-57 retired 1024-bit RSA). */
export const MIN_RSA_BITS = 2048;

const internals = {
  kidPattern: /^[A-Za-z0-9._-]{1,64}$/,

  hmac(kid: string, raw: string): HmacKey {
    const secret = raw.startsWith('base64:') ? Buffer.from(raw.slice(7), 'base64') : Buffer.from(raw, 'utf8');
    if (secret.length < MIN_SECRET_BYTES) {
      throw new ConfigError(
        `SHOP_JWT_KEYS: the secret of key "${kid}" has ${secret.length} bytes; at least ${MIN_SECRET_BYTES} are required`,
      );
    }
    return { kid, secret };
  },

  /** A PEM private key written inline (real or `\n`-escaped newlines) or as `base64:` of the PEM file. */
  asymmetric(kid: string, raw: string, algorithm: 'RS256' | 'ES256'): AsymmetricKey {
    const pem = raw.startsWith('base64:') ? Buffer.from(raw.slice(7), 'base64').toString('utf8') : raw.replaceAll('\\n', '\n');
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new ConfigError(`SHOP_JWT_KEYS: key "${kid}" is not a PEM private key (write it inline or as base64:<PEM in base64>)`);
    }
    const details = key.asymmetricKeyDetails;
    if (algorithm === 'RS256' && (key.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < MIN_RSA_BITS)) {
      throw new ConfigError(`SHOP_JWT_KEYS: key "${kid}" must be an RSA private key of at least ${MIN_RSA_BITS} bits for RS256`);
    }
    if (algorithm === 'ES256' && (key.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1')) {
      throw new ConfigError(`SHOP_JWT_KEYS: key "${kid}" must be an EC private key on P-256 (prime256v1) for ES256`);
    }
    return {
      kid,
      privateKey: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicKey: createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString(),
    };
  },
};

/**
 * Parses `SHOP_JWT_KEYS`: comma-separated `kid:key` pairs, the first of which signs. For HS256 a key is a secret, taken
 * as its UTF-8 bytes or, written `base64:…`, as bytes, of at least {@link MIN_SECRET_BYTES} bytes. For RS256 and ES256
 * it is a PEM private key of the matching type. Key ids must be unique.
 */
export function parseJwtKeys(value: string, algorithm: JwtAlgorithm = 'HS256'): JwtKey[] {
  const keys = value
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair.length > 0)
    .map((pair): JwtKey => {
      const colon = pair.indexOf(':');
      if (colon <= 0) {
        throw new ConfigError('SHOP_JWT_KEYS must be comma-separated kid:key pairs');
      }
      const kid = pair.slice(0, colon);
      const raw = pair.slice(colon + 1);
      if (!internals.kidPattern.test(kid)) {
        throw new ConfigError(`SHOP_JWT_KEYS: key id "${kid}" must be 1-64 of A-Z a-z 0-9 . _ -`);
      }
      return algorithm === 'HS256' ? internals.hmac(kid, raw) : internals.asymmetric(kid, raw, algorithm);
    });
  if (keys.length === 0) {
    throw new ConfigError('SHOP_JWT_KEYS is empty');
  }
  if (new Set(keys.map((key) => key.kid)).size !== keys.length) {
    throw new ConfigError('SHOP_JWT_KEYS: key ids must be unique');
  }
  return keys;
}

/** What signs with `key` under `algorithm`: the secret, or the private key. Throws when the key is of the other kind. */
export function signingMaterial(algorithm: JwtAlgorithm, key: JwtKey): string | Buffer {
  if (algorithm === 'HS256') {
    if ('secret' in key) {
      return key.secret;
    }
  } else if ('privateKey' in key) {
    return key.privateKey;
  }
  throw new Error(`key "${key.kid}" cannot sign ${algorithm} tokens`);
}

/** What verifies under `algorithm`: the secret, or the public key; `undefined` for a key of the other kind. */
export function verificationMaterial(algorithm: JwtAlgorithm, key: JwtKey): string | Buffer | undefined {
  if (algorithm === 'HS256') {
    return 'secret' in key ? key.secret : undefined;
  }
  return 'publicKey' in key ? key.publicKey : undefined;
}
