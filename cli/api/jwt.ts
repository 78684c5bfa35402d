/**
 * Reads claims of a JWT without verifying it — the server verifies; the CLI only wants to know when to refresh, what
 * to show in `shop status`, and whose queued changes are whose.
 */
function readClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) {
    return undefined;
  }
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `exp` claim in ms since the epoch, or `undefined` when there is no readable `exp`. */
export function jwtExpiry(token: string): number | undefined {
  const exp = readClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/** The `sub` claim — the user's id — or `undefined` when there is none. */
export function jwtSubject(token: string): string | undefined {
  const sub = readClaims(token)?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : undefined;
}
