import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { Credentials, GuestMergeRequest, LogoutRequest, RefreshRequest } from '../../shared/wire.js';
import {
  createAccount,
  createGuest,
  guestOwner,
  hashNewPassword,
  isRegistrationOf,
  login,
  logout,
  logoutEverywhere,
  normalizeEmail,
  readGuestToken,
  refresh,
  type SessionDeps,
  toMe,
} from '../auth/sessions.js';
import type { MergingGuest } from '../domain/guest-merge.js';
import { mergeGuest } from '../domain/guest-merge.js';
import { admitRegistration } from '../auth/registration-throttle.js';
import { currentUser } from '../auth/strategy.js';
import type { RouteDeps } from './deps.js';
import { registrationScope, runIdempotent, userScope } from './idempotency.js';
import { CredentialsPayload, LogoutPayload, MutationHeaders, RefreshPayload } from './schemas.js';

/** Registration, login, refresh, logout, and who am I. */
const internals = {
  /** Answers that carry tokens or account details are never kept by a cache (RFC 6749 §5.1), errors included. */
  noStore: { otherwise: 'no-store' },
  mergeNotes:
    ' With `guestToken` (a guest\'s access token) the guest is merged into the account in the same transaction: its cart lines are added (summed, capped at 99 a line, within 100 lines), its preferences fill the keys the account lacks, the guest is deleted, and the answer\'s `merge` reports what went where (`capped`, `dropped`: nothing is left out silently). 401 GUEST_EXPIRED when that guest no longer exists.',
  /** The guest a login or registration brings along, if any; its signature and claims are checked before anything else. */
  merging(sessions: SessionDeps, payload: GuestMergeRequest): MergingGuest | undefined {
    if (payload.guestToken === undefined) {
      return undefined;
    }
    const guest = readGuestToken(sessions, payload.guestToken);
    return { owner: guestOwner(guest.id, userScope(guest.id)), tokenVersion: guest.tokenVersion };
  },
};

export const authRoutes: Plugin<RouteDeps> = {
  name: 'shop-auth',
  register(server, deps) {
    const { store, config, now, hashing } = deps;
    const sessions: SessionDeps = { store, config, now, hashing };

    server.route([
      {
        method: 'POST',
        path: Paths.register,
        options: {
          auth: false,
          cache: internals.noStore,
          description: 'Create an account',
          notes:
            '201 with the account; 409 EMAIL_TAKEN; 429 RATE_LIMITED past the registrations allowed per client address; 503 with Retry-After while the server is busy hashing passwords. Passwords are 8-256 characters.' +
            internals.mergeNotes,
          validate: { payload: CredentialsPayload, headers: MutationHeaders },
          handler: async (request, h) => {
            const { email, password, ...rest } = request.payload as Credentials & GuestMergeRequest;
            const guest = internals.merging(sessions, rest);
            // Counted per address before the slow hash, which then waits for no one: past its bound it answers 503.
            await admitRegistration(store, config.registrationThrottle, request.app.clientAddress, now());
            const passwordHash = await hashNewPassword(sessions, password);
            // The password stays out of the stored fingerprint; a replay must prove it against the account's scrypt hash.
            return runIdempotent(
              request,
              h,
              deps.idempotency,
              registrationScope(normalizeEmail(email)),
              async (store) => {
                // One transaction (joined when the key's is open): the account exists only with the guest merged into it.
                const body = await store.transaction(async (tx) => {
                  const account = await createAccount(tx, email, passwordHash, now());
                  return guest === undefined ? account : { ...account, merge: await mergeGuest(tx, account.id, guest, now()) };
                });
                return { status: 201, body };
              },
              { secretFields: ['password', 'guestToken'], confirmReplay: (stored) => isRegistrationOf(sessions, stored.body, password) },
            );
          },
        },
      },
      {
        method: 'POST',
        path: Paths.login,
        options: {
          auth: false,
          cache: internals.noStore,
          description: 'Log in: a bearer access token and a refresh token',
          notes: '401 INVALID_CREDENTIALS; 429 RATE_LIMITED with Retry-After after too many failures for the account or address.' + internals.mergeNotes,
          validate: { payload: CredentialsPayload },
          handler: (request) => {
            const { email, password, ...rest } = request.payload as Credentials & GuestMergeRequest;
            return login(sessions, email, password, request.app.clientAddress, internals.merging(sessions, rest));
          },
        },
      },
      {
        method: 'POST',
        path: Paths.guest,
        options: {
          auth: false,
          cache: internals.noStore,
          description: 'Start as a guest: a token pair for a new guest, with no email or password',
          notes:
            '201 with `guest: true` and a token pair. A guest may use the catalogue, a cart and preferences; orders and password changes answer 403 GUEST_NOT_ALLOWED. Send its access token as `guestToken` to POST /auth/login or /auth/register to keep its cart. A guest idle longer than the server keeps guests (SHOP_GUEST_TTL) is deleted; its tokens then answer 401 GUEST_EXPIRED. 429 RATE_LIMITED past the registrations allowed per client address (guests count as registrations).',
          handler: async (request, h) => {
            // No Idempotency-Key: a stored answer would keep tokens in the server; a retry makes a second guest, which idles out.
            // Guests are rows: counted against the address like registrations, so a script cannot fill the database.
            await admitRegistration(store, config.registrationThrottle, request.app.clientAddress, now());
            return h.response(await createGuest(sessions)).code(201);
          },
        },
      },
      {
        method: 'POST',
        path: Paths.refresh,
        options: {
          auth: false,
          cache: internals.noStore,
          description: 'Exchange a refresh token for a new pair',
          notes: 'The old refresh token is spent; presenting it again revokes every token of that login.',
          validate: { payload: RefreshPayload },
          handler: (request) => refresh(sessions, (request.payload as RefreshRequest).refreshToken),
        },
      },
      {
        method: 'POST',
        path: Paths.logout,
        options: {
          cache: internals.noStore,
          description: 'Revoke a refresh token, or with all: true every token of the user',
          validate: { payload: LogoutPayload, headers: MutationHeaders },
          handler: (request, h) => {
            const body = (request.payload ?? {}) as LogoutRequest;
            const user = currentUser(request);
            return runIdempotent(request, h, deps.idempotency, userScope(user.id), async (tx) => {
              if (body.all === true) {
                await logoutEverywhere(tx, user.id);
              } else {
                await logout(tx, user.id, body.refreshToken, now());
              }
              return { status: 204 };
            });
          },
        },
      },
      {
        method: 'GET',
        path: Paths.me,
        options: { description: 'The logged-in user', cache: internals.noStore },
        // The strategy loaded the user row from the database for this very request.
        handler: (request) => toMe(currentUser(request)),
      },
    ]);
  },
};
