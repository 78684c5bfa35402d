import { randomUUID } from 'node:crypto';

import { isMixedScript, localPart, normalizeEmail } from '../../shared/rules/email.js';
import type { Me, RegisteredUser, TokenPair } from '../../shared/wire.js';
import type { Config } from '../config.js';
import type { ConsumeResult, Store, UserRecord } from '../db/store.js';
import { ShopError } from '../domain/errors.js';
import { issueAccessToken } from './access-tokens.js';
import { emailSkeleton } from './email-skeleton.js';
import type { HashingGate } from './hashing-gate.js';
import { beginLoginAttempt } from './login-throttle.js';
import { hashPassword, verifyDecoyPassword, verifyPassword } from './passwords.js';
import { createRefreshToken, hashRefreshToken } from './refresh-tokens.js';

/** What the session functions need: the store, the clock, the auth part of the configuration, and the hashing bound. */
export interface SessionDeps {
  store: Store;
  config: Pick<Config, 'jwt' | 'passwordCost' | 'loginThrottle'>;
  now: () => Date;
  /** The process's bound on scrypt work in flight; past it, 503 at once. */
  hashing: HashingGate;
}

export { normalizeEmail } from '../../shared/rules/email.js';

export function toMe(user: Pick<UserRecord, 'id' | 'email' | 'createdAt'>): Me & RegisteredUser {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
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
    return toMe(user);
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
  return user ? deps.hashing.run('verification', () => verifyPassword(password, user.passwordHash)) : false;
}

/**
 * Unknown email and wrong password fail the same way and take about as long (a decoy hash is checked). Every attempt
 * first passes the login throttle for the account and `clientAddress` (429 `RATE_LIMITED` once either has failed too
 * often), shared by every instance through the store.
 */
export async function login(deps: SessionDeps, email: string, password: string, clientAddress: string): Promise<TokenPair> {
  const normalized = normalizeEmail(email);
  const attempt = await beginLoginAttempt(deps.store, deps.config.loginThrottle, normalized, clientAddress, deps.now());
  let user: UserRecord | null;
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
  return issueTokenPair(deps, user, randomUUID());
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
    return { status: 'issued', pair: await issueTokenPair({ ...deps, store: tx }, user, result.token.familyId) };
  });
  if (outcome.status === 'reused') {
    await deps.store.tokens.revokeFamily(outcome.token.familyId, now);
    throw new ShopError('REFRESH_TOKEN_REUSED', 'Refresh token was already used; every session from that login is now revoked');
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
  const { token, tokenHash } = createRefreshToken();
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
