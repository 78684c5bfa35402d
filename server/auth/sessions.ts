import { randomUUID } from 'node:crypto';

import { isMixedScript, localPart, normalizeEmail } from '../../shared/rules/email.js';
import type { GuestSession, LoginResponse, Me, RegisteredUser, TokenPair } from '../../shared/wire.js';
import type { Config } from '../config.js';
import type { AccountRecord, ConsumeResult, PersonalDataOwner, Store, UserRecord } from '../db/store.js';
import { ShopError } from '../domain/errors.js';
import { mergeGuest, type MergingGuest } from '../domain/guest-merge.js';
import { issueAccessToken, verifyAccessToken } from './access-tokens.js';
import { emailSkeleton } from './email-skeleton.js';
import type { HashingGate } from './hashing-gate.js';
import { beginLoginAttempt } from './login-throttle.js';
import { hashPassword, verifyDecoyPassword, verifyPassword } from './passwords.js';
import { createRefreshToken, guestOfRefreshToken, hashRefreshToken } from './refresh-tokens.js';
import { guestExpired } from './strategy.js';

/** What the session functions need: the store, the clock, the auth part of the configuration, and the hashing bound. */
export interface SessionDeps {
  store: Store;
  config: Pick<Config, 'jwt' | 'passwordCost' | 'loginThrottle'>;
  now: () => Date;
  /** The process's bound on scrypt work in flight; past it, 503 at once. */
  hashing: HashingGate;
}

export { normalizeEmail } from '../../shared/rules/email.js';

export function toMe(user: { id: string; email: string | null; createdAt: Date }): Me {
  return { id: user.id, email: user.email, guest: user.email === null, createdAt: user.createdAt.toISOString() };
}

/** The guest a `guestToken` names, checked as the bearer strategy checks tokens (signature, claims, expiry). */
export interface GuestTokenClaims {
  id: string;
  tokenVersion: number;
}

/**
 * Reads the guest access token sent with a login or registration to merge that guest. A token that is not a guest's
 * is refused (`VALIDATION_FAILED`); whether the guest still exists is checked inside the merge's transaction.
 */
export function readGuestToken(deps: Pick<SessionDeps, 'config' | 'now'>, token: string): GuestTokenClaims {
  const claims = verifyAccessToken(deps.config.jwt, token, deps.now());
  if (!claims.guest) {
    throw new ShopError('VALIDATION_FAILED', 'guestToken must be the access token of a guest (POST /auth/guest)');
  }
  return { id: claims.sub, tokenVersion: claims.ver };
}

/** The keys a guest's rows are held under: its id and its requests' scope. A guest has no email, so nothing else. */
export function guestOwner(guestId: string, scope: string): PersonalDataOwner {
  return { userId: guestId, idempotencyScopes: [scope], loginAccounts: [] };
}

/** `POST /auth/guest`: a new guest row and its first token pair, in one transaction. */
export function createGuest(deps: SessionDeps): Promise<GuestSession> {
  return deps.store.transaction(async (tx) => {
    const guest = await tx.users.createGuest(randomUUID(), deps.now());
    return { ...(await issueTokenPair({ ...deps, store: tx }, guest, randomUUID())), guest: true };
  });
}

/**
 * Hashes the password for a new account. Kept apart from `createAccount` so the slow hash (~100 ms at the default
 * cost) never runs while a database transaction is open.
 */
export function hashNewPassword(deps: Pick<SessionDeps, 'config' | 'hashing'>, password: string): Promise<string> {
  return deps.hashing.run('registration', () => hashPassword(password, deps.config.passwordCost));
}

/**
 * Creates the account; 409 `EMAIL_TAKEN` when the address, or one that looks the same (UTS #39 skeleton), is in use;
 * 400 `VALIDATION_FAILED` for a local part that mixes scripts. One transaction (joined when already in one): the
 * account and its skeleton commit together, and the skeleton's unique index settles concurrent look-alikes.
 */
export async function createAccount(store: Store, email: string, passwordHash: string, now: Date): Promise<RegisteredUser> {
  const normalized = normalizeEmail(email);
  const skeleton = emailSkeleton(normalized);
  const taken = (): ShopError => new ShopError('EMAIL_TAKEN', 'An account with this email already exists');
  return store.transaction(async (tx) => {
    // A look-alike of an existing account is told it is taken before it is told why it looks suspicious.
    if (await tx.emailSkeletons.taken(skeleton)) {
      throw taken();
    }
    if (isMixedScript(localPart(normalized))) {
      throw new ShopError('VALIDATION_FAILED', 'The email address mixes letters of different scripts; use one script');
    }
    const user = await tx.users.create({ id: randomUUID(), email: normalized, passwordHash, createdAt: now });
    if (!user || !(await tx.emailSkeletons.claim(skeleton, user.id))) {
      throw taken();
    }
    return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
  });
}

/**
 * Whether `password` is the one the account a stored registration answer (`body`, its JSON) created was registered
 * with: a replayed registration must carry the same password, checked against the scrypt hash as a login would. An
 * account that is gone, or whose answer is not one, is no match.
 */
export async function isRegistrationOf(deps: Pick<SessionDeps, 'store' | 'hashing'>, body: string, password: string): Promise<boolean> {
  let id: unknown;
  try {
    id = (JSON.parse(body) as Partial<RegisteredUser>).id;
  } catch {
    return false;
  }
  const user = typeof id === 'string' ? await deps.store.users.findById(id) : null;
  return user?.kind === 'account' ? deps.hashing.run('verification', () => verifyPassword(password, user.passwordHash)) : false;
}

/**
 * Unknown email and wrong password fail the same way and take about as long (a decoy hash is checked). Every attempt
 * first passes the login throttle for the account and `clientAddress` (429 `RATE_LIMITED` once either has failed too
 * often), shared by every instance through the store.
 */
export async function login(deps: SessionDeps, email: string, password: string, clientAddress: string, guest?: MergingGuest): Promise<LoginResponse> {
  const normalized = normalizeEmail(email);
  const attempt = await beginLoginAttempt(deps.store, deps.config.loginThrottle, normalized, clientAddress, deps.now());
  let user: AccountRecord | null;
  let valid: boolean;
  try {
    user = await deps.store.users.findByEmail(normalized);
    const known = user;
    valid = await deps.hashing.run('verification', () =>
      known ? verifyPassword(password, known.passwordHash) : verifyDecoyPassword(password, deps.config.passwordCost),
    );
  } catch (error) {
    // The password was never judged (the database failed): that is no failed guess.
    await attempt.abandoned().catch(() => {});
    throw error;
  }
  if (!user || !valid) {
    throw new ShopError('INVALID_CREDENTIALS', 'Email or password is incorrect');
  }
  await attempt.succeeded();
  if (guest === undefined) {
    return issueTokenPair(deps, user, randomUUID());
  }
  const account = user;
  // The merge and the new login commit together: a failed merge leaves the guest as it was and logs nobody in.
  return deps.store.transaction(async (tx) => {
    const merge = await mergeGuest(tx, account.id, guest, deps.now());
    return { ...(await issueTokenPair({ ...deps, store: tx }, account, randomUUID())), merge };
  });
}

/**
 * Exchanges a refresh token for a new pair. The old token is consumed in one conditional statement, so of concurrent
 * refreshes with one token exactly one succeeds. Presenting an already-used token is treated as theft: every refresh
 * token of the family — including the one issued from it — is revoked. Access tokens already issued in the family
 * stay valid until they expire (minutes): they are stateless by design, and logout-all is what kills them at once.
 *
 * Consuming the old token and storing the new one are one transaction. The consume holds the old token's row until the
 * new token is committed, so a concurrent re-use of the old token waits for it, and the family revocation that follows
 * sees (and revokes) the new token: it can never slip in after the revocation. A token refused because its user logged
 * out everywhere rolls back, leaving the database as it was.
 */
export async function refresh(deps: SessionDeps, refreshToken: string): Promise<TokenPair> {
  const now = deps.now();
  const outcome = await deps.store.transaction(async (tx): Promise<{ status: 'issued'; pair: TokenPair } | ConsumeResult> => {
    const result = await tx.tokens.consume(hashRefreshToken(refreshToken), now);
    if (result.status !== 'consumed') {
      return result;
    }
    const user = await tx.users.findById(result.token.userId);
    if (!user || user.tokenVersion !== result.token.tokenVersion) {
      throw new ShopError('REFRESH_TOKEN_INVALID', 'Refresh token was revoked; log in again');
    }
    if (user.kind === 'guest') {
      await tx.users.touchGuest(user.id, now, now);
    }
    return { status: 'issued', pair: await issueTokenPair({ ...deps, store: tx }, user, result.token.familyId) };
  });
  if (outcome.status === 'reused') {
    await deps.store.tokens.revokeFamily(outcome.token.familyId, now);
    throw new ShopError('REFRESH_TOKEN_REUSED', 'Refresh token was already used; every session from that login is now revoked');
  }
  const guestId = guestOfRefreshToken(refreshToken);
  if (outcome.status === 'invalid' && guestId !== undefined && (await deps.store.users.findById(guestId)) === null) {
    throw guestExpired();
  }
  if (outcome.status !== 'issued') {
    throw new ShopError('REFRESH_TOKEN_INVALID', 'Refresh token is invalid, expired or revoked; log in again');
  }
  return outcome.pair;
}

/** Revokes one refresh token of this user. Unknown or foreign tokens are ignored: logout always succeeds. */
export async function logout(store: Store, userId: string, refreshToken: string | undefined, now: Date): Promise<void> {
  if (refreshToken !== undefined) {
    await store.tokens.revoke(hashRefreshToken(refreshToken), userId, now);
  }
}

/** Bumps the user's token version: every access and refresh token issued before is dead on every instance at once. */
export async function logoutEverywhere(store: Store, userId: string): Promise<void> {
  await store.users.bumpTokenVersion(userId);
}

/** A new refresh token (stored, in `familyId`) and access token for `user` at its current token version. */
export async function issueTokenPair(deps: SessionDeps, user: UserRecord, familyId: string): Promise<TokenPair> {
  const now = deps.now();
  const { token, tokenHash } = createRefreshToken(user.kind === 'guest' ? user.id : undefined);
  await deps.store.tokens.insert({
    tokenHash,
    userId: user.id,
    familyId,
    tokenVersion: user.tokenVersion,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.config.jwt.refreshTokenTtlSeconds * 1000),
  });
  return {
    accessToken: issueAccessToken(deps.config.jwt, user, now),
    refreshToken: token,
    tokenType: 'Bearer',
    expiresIn: deps.config.jwt.accessTokenTtlSeconds,
  };
}
