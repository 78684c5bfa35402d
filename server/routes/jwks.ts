import { createPublicKey, type JsonWebKey } from 'node:crypto';

import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { JwtAlgorithm, JwtKey } from '../auth/jwt-keys.js';
import type { RouteDeps } from './deps.js';

/** One published verification key (RFC 7517), tagged with the `kid` tokens name in their header. */
export interface PublishedJwk extends JsonWebKey {
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
}

export interface JsonWebKeySet {
  keys: PublishedJwk[];
}

/**
 * The JSON Web Key Set of the verification keys: what another service needs to check our access tokens without any
 * secret. Every configured key is published, not only the signer, so a key added for rotation is known to verifiers
 * before it signs anything. Under HS256 the set is empty: an HMAC key is a secret and is never published.
 */
export function buildJwks(algorithm: JwtAlgorithm, keys: readonly JwtKey[]): JsonWebKeySet {
  return {
    keys: keys.flatMap((key): PublishedJwk[] =>
      'publicKey' in key && algorithm !== 'HS256'
        ? [{ ...createPublicKey(key.publicKey).export({ format: 'jwk' }), kid: key.kid, alg: algorithm, use: 'sig' }]
        : [],
    ),
  };
}

export const jwksRoutes: Plugin<RouteDeps> = {
  name: 'shop-jwks',
  register(server, { config }) {
    // Built once: keys only change with the configuration, which means a restart.
    const jwks = buildJwks(config.jwt.algorithm, config.jwt.keys);
    server.route({
      method: 'GET',
      path: Paths.jwks,
      options: {
        auth: false,
        description: 'The public keys that verify access tokens (JWKS)',
        notes: 'Empty when tokens are signed with HS256. Verifiers may cache it for five minutes.',
        // Short enough that verifiers see a key added for rotation well before the lifetime of the tokens it replaces.
        cache: { expiresIn: 5 * 60 * 1000, privacy: 'public' },
        handler: () => jwks,
      },
    });
  },
};
