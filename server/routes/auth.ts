import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { Credentials, LogoutRequest, RefreshRequest } from '../../shared/wire.js';
import { createAccount, hashNewPassword, isRegistrationOf, login, logout, logoutEverywhere, normalizeEmail, refresh, type SessionDeps, toMe } from '../auth/sessions.js';
import { admitRegistration } from '../auth/registration-throttle.js';
import { currentUser } from '../auth/strategy.js';
import type { RouteDeps } from './deps.js';
import { registrationScope, runIdempotent, userScope } from './idempotency.js';
import { CredentialsPayload, LogoutPayload, MutationHeaders, RefreshPayload } from './schemas.js';

/** Registration, login, refresh, logout, and who am I. */
const internals = {
  /** Answers that carry tokens or account details are never kept by a cache (RFC 6749 §5.1), errors included. */
  noStore: { otherwise: 'no-store' },
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
          notes: '201 with the account; 409 EMAIL_TAKEN; 429 RATE_LIMITED past the registrations allowed per client address; 503 with Retry-After while the server is busy hashing passwords. Passwords are 8-256 characters.',
          validate: { payload: CredentialsPayload, headers: MutationHeaders },
          handler: async (request, h) => {
            const { email, password } = request.payload as Credentials;
            // Counted per address before the slow hash, which then waits for no one: past its bound it answers 503.
            await admitRegistration(store, config.registrationThrottle, request.app.clientAddress, now());
            const passwordHash = await hashNewPassword(sessions, password);
            // The password stays out of the stored fingerprint; a replay must prove it against the account's scrypt hash.
            return runIdempotent(
              request,
              h,
              deps.idempotency,
              registrationScope(normalizeEmail(email)),
              async (tx) => ({ status: 201, body: await createAccount(tx, email, passwordHash, now()) }),
              { secretFields: ['password'], confirmReplay: (stored) => isRegistrationOf(sessions, stored.body, password) },
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
          notes: '401 INVALID_CREDENTIALS; 429 RATE_LIMITED with Retry-After after too many failures for the account or address.',
          validate: { payload: CredentialsPayload },
          handler: (request) => {
            const { email, password } = request.payload as Credentials;
            return login(sessions, email, password, request.app.clientAddress);
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
