import { createHash, randomBytes } from 'node:crypto';

/** Refresh tokens are opaque: 32 random bytes, base64url. Only their SHA-256 is stored. */
export function createRefreshToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashRefreshToken(token) };
}

/** A fast hash is right here: the token has 256 bits of entropy, so there is nothing to brute-force. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
