import { generateKeyPairSync } from 'node:crypto';

import type { AsymmetricKey } from '../../server/auth/jwt-keys.js';
import { parseJwtKeys } from '../../server/config.js';

/** A fresh RSA private key in PEM, as an operator would put it in SHOP_JWT_KEYS. */
export function rsaPrivateKeyPem(bits = 2048): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** A fresh P-256 private key in PEM. */
export function ecPrivateKeyPem(curve = 'prime256v1'): string {
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** An RS256 key as the configuration holds it, parsed the way SHOP_JWT_KEYS is. */
export function rsaKey(kid: string): AsymmetricKey {
  return parseJwtKeys(`${kid}:${rsaPrivateKeyPem()}`, 'RS256')[0] as AsymmetricKey;
}
