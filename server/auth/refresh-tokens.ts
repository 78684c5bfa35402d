import { createHash, randomBytes } from 'node:crypto';

const internals = {
  /** A guest's refresh token names the guest, so one presented after the guest was deleted is told `GUEST_EXPIRED`. */
  guestPrefix: 'guest.',
  guestPattern: /^guest\.([0-9a-f-]{36})\.[A-Za-z0-9_-]+$/,
};

/**
 * Refresh tokens are opaque to clients: 32 random bytes, base64url, after `guest.<id>.` for a guest. Only their SHA-256
 * is stored. The guest id is no secret (the access token's `sub` says as much); the random part is the credential.
 */
export function createRefreshToken(guestId?: string): { token: string; tokenHash: string } {
  const random = randomBytes(32).toString('base64url');
  const token = guestId === undefined ? random : `${internals.guestPrefix}${guestId}.${random}`;
  return { token, tokenHash: hashRefreshToken(token) };
}

/** The guest id a guest's refresh token names; `undefined` for any other string. */
export function guestOfRefreshToken(token: string): string | undefined {
  return internals.guestPattern.exec(token)?.[1];
}

/** A fast hash is right here: the token has 256 bits of entropy, so there is nothing to brute-force. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
