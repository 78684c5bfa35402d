import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { Credentials, LogoutRequest, RefreshRequest } from '../../shared/wire.js';
import { createAccount, hashNewPassword, login, logout, logoutEverywhere, normalizeEmail, refresh, type SessionDeps, toMe } from '../auth/sessions.js';
import { currentUser } from '../auth/strategy.js';
import type { RouteDeps } from './deps.js';
import { registrationScope, runIdempotent, userScope } from './idempotency.js';
import { CredentialsPayload, LogoutPayload, MutationHeaders, RefreshPayload } from './schemas.js';

/** Registration, login, refresh, logout, and who am I. */
export const authRoutes: Plugin<RouteDeps> = {
  name: 'shop-auth',
  register(server, deps) {
    const { store, config, now } = deps;
    const sessions: SessionDeps = { store, config, now };

    server.route([
      {
        method: 'POST',
        path: Paths.register,
        options: {
          auth: false,
          validate: { payload: CredentialsPayload, headers: MutationHeaders },
          handler: async (request, h) => {
            const { email, password } = request.payload as Credentials;
            const passwordHash = await hashNewPassword(sessions, password);
            return runIdempotent(request, h, deps.idempotency, registrationScope(normalizeEmail(email)), async (tx) => ({
              status: 201,
              body: await createAccount(tx, email, passwordHash, now()),
            }));
          },
        },
      },
      {
        method: 'POST',
        path: Paths.login,
        options: {
          auth: false,
          validate: { payload: CredentialsPayload },
          handler: (request) => {
            const { email, password } = request.payload as Credentials;
            return login(sessions, email, password);
          },
        },
      },
      {
        method: 'POST',
        path: Paths.refresh,
        options: {
          auth: false,
          validate: { payload: RefreshPayload },
          handler: (request) => refresh(sessions, (request.payload as RefreshRequest).refreshToken),
        },
      },
      {
        method: 'POST',
        path: Paths.logout,
        options: {
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
        // The strategy loaded the user row from the database for this very request.
        handler: (request) => toMe(currentUser(request)),
      },
    ]);
  },
};
