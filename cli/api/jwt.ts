/**
 * Reads the `exp` claim of a JWT without verifying it — the server verifies; the CLI only wants to know when to
 * refresh, and what to show in `shop status`. Returns ms since the epoch, or `undefined` when there is no readable
 * `exp`.
 */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) {
    return undefined;
  }
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
