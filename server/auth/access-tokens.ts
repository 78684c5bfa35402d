import Jwt from '@hapi/jwt';

import { ACCESS_TOKEN_TYPE } from '../../shared/http.js';
import type { Config } from '../config.js';
import { ShopError } from '../domain/errors.js';
import { type JwtKey, signingMaterial, verificationMaterial } from './jwt-keys.js';

/** The claims of an access token once its signature and claims have been checked. */
export interface AccessClaims {
  /** User id. */
  sub: string;
  /** The user's token version at issue; compared with the database on every request. */
  ver: number;
  /** Set for a guest (claim `gst: true`): lets a token whose guest is gone be told `GUEST_EXPIRED`, not `TOKEN_REVOKED`. */
  guest: boolean;
  iat: number;
  exp: number;
}

export type JwtSettings = Config['jwt'];

const internals = {
  /** Tolerated clock difference between instances for `iat` and `nbf`, in seconds. `exp` is kept exactly. */
  skewSeconds: 30,
  invalid(message: string): ShopError {
    return new ShopError('TOKEN_INVALID', `Invalid access token: ${message}`);
  },
  isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  },
};

/** Signs an access token for the user with the first (current) key, under the configured algorithm. */
export function issueAccessToken(
  jwt: JwtSettings,
  user: { id: string; tokenVersion: number; kind?: 'account' | 'guest' },
  now: Date,
): string {
  const signer = jwt.keys[0] as JwtKey;
  const iat = Math.floor(now.getTime() / 1000);
  const guest = user.kind === 'guest' ? { gst: true } : {};
  return Jwt.token.generate(
    { sub: user.id, ver: user.tokenVersion, ...guest, iss: jwt.issuer, aud: jwt.audience, iat, exp: iat + jwt.accessTokenTtlSeconds },
    { key: signingMaterial(jwt.algorithm, signer), algorithm: jwt.algorithm },
    { header: { typ: ACCESS_TOKEN_TYPE, kid: signer.kid } },
  );
}

/** What a token proves by its signature alone, whatever the time: checked once per token string (see the verifier). */
interface ProvenToken {
  claims: AccessClaims;
  nbf: number | undefined;
}

/**
 * Checks everything a token can prove by itself: shape, the algorithm pinned to the configured one (so `none`, or an
 * HS256 token "signed" with our RSA public key as its secret, is refused before any key is touched), `typ`, known
 * `kid`, signature, `iss`, `aud`, `nbf`, then `exp`. Throws `TOKEN_EXPIRED` only for a token that is otherwise genuine, so a forged token can
 * never learn more than "invalid". Whether the user still exists and `ver` is current is the caller's next step.
 */
export function verifyAccessToken(jwt: JwtSettings, token: string, now: Date): AccessClaims {
  return checkTimes(proveAccessToken(jwt, token), now);
}

/** Everything of {@link verifyAccessToken} that does not depend on the time. */
function proveAccessToken(jwt: JwtSettings, token: string): ProvenToken {
  let artifacts: ReturnType<typeof Jwt.token.decode>;
  try {
    artifacts = Jwt.token.decode(token);
  } catch {
    throw internals.invalid('malformed token');
  }
  const header: unknown = artifacts.decoded.header;
  const payload: unknown = artifacts.decoded.payload;
  if (!internals.isRecord(header) || !internals.isRecord(payload)) {
    throw internals.invalid('malformed token');
  }
  if (header.alg !== jwt.algorithm) {
    throw internals.invalid('unexpected algorithm');
  }
  if (header.typ !== ACCESS_TOKEN_TYPE) {
    throw internals.invalid('not an access token');
  }
  const key = jwt.keys.find((candidate) => candidate.kid === header.kid);
  const material = key && verificationMaterial(jwt.algorithm, key);
  if (!material) {
    throw internals.invalid('unknown key id');
  }
  try {
    Jwt.token.verifySignature(artifacts, { key: material, algorithm: jwt.algorithm });
  } catch {
    throw internals.invalid('bad signature');
  }

  const { sub, ver, iat, exp, nbf, iss, aud, gst } = payload;
  if (iss !== jwt.issuer) {
    throw internals.invalid('wrong issuer');
  }
  if (aud !== jwt.audience && !(Array.isArray(aud) && aud.includes(jwt.audience))) {
    throw internals.invalid('wrong audience');
  }
  if (typeof sub !== 'string' || sub.length === 0 || !Number.isSafeInteger(ver) || !Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) {
    throw internals.invalid('missing claims');
  }
  if (nbf !== undefined && typeof nbf !== 'number') {
    throw internals.invalid('not yet valid');
  }
  if (gst !== undefined && gst !== true) {
    throw internals.invalid('malformed guest claim');
  }
  return { claims: { sub, ver: ver as number, guest: gst === true, iat: iat as number, exp: exp as number }, nbf };
}

/** The time-dependent checks, run on every use of a token. */
function checkTimes({ claims, nbf }: ProvenToken, now: Date): AccessClaims {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nbf !== undefined && nbf > nowSeconds + internals.skewSeconds) {
    throw internals.invalid('not yet valid');
  }
  if (claims.iat > nowSeconds + internals.skewSeconds) {
    throw internals.invalid('issued in the future');
  }
  if (claims.exp <= nowSeconds) {
    throw new ShopError('TOKEN_EXPIRED', 'Access token expired; refresh it or log in again');
  }
  return claims;
}

/**
 * {@link verifyAccessToken} with the signature check remembered per token string, for the server's hot path: a client
 * sends the same token for many requests, and decoding and checking it is ~6 % of an authenticated `GET /cart`.
 *
 * Safe because what is remembered is a pure function of the token's exact bytes and this process's fixed key set: a
 * token that differs by one byte is a different entry, only genuine tokens are stored, and the time checks (`exp`,
 * `nbf`, `iat`) still run on every call. Revocation is not the verifier's business: the caller still compares `ver`
 * with the user row on every request, so logout-all and deleted users take effect at once. Bounded: when full, the
 * oldest entries go first.
 */
export function createAccessTokenVerifier(jwt: JwtSettings, maxEntries = 10_000): (token: string, now: Date) => AccessClaims {
  const proven = new Map<string, ProvenToken>();
  return (token, now) => {
    let entry = proven.get(token);
    if (entry === undefined) {
      entry = proveAccessToken(jwt, token);
      if (proven.size >= maxEntries) {
        proven.delete(proven.keys().next().value as string);
      }
      proven.set(token, entry);
    }
    try {
      return checkTimes(entry, now);
    } catch (error) {
      proven.delete(token);
      throw error;
    }
  };
}
