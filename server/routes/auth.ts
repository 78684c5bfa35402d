import type { Plugin } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { Credentials, LogoutRequest, RefreshRequest } from '../../shared/wire.js';
import { login, logout, logoutEverywhere, refresh, register, type SessionDeps, toMe } from '../auth/sessions.js';
import { currentUser } from '../auth/strategy.js';
import { CredentialsPayload, LogoutPayload, RefreshPayload } from './schemas.js';
import type { RouteDeps } from './deps.js';

/** Registration, login, refresh, logout, and who am I. */
export const authRoutes: Plugin<RouteDeps> = {
  name: 'shop-auth',
  register(server, { store, config, now }) {
    const deps: SessionDeps = { store, config, now };

    server.route([
      {
        method: 'POST',
        path: Paths.register,
        options: {
          auth: false,
          validate: { payload: CredentialsPayload },
          handler: async (request, h) => {
            const { email, password } = request.payload as Credentials;
            return h.response(await register(deps, email, password)).code(201);
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
            return login(deps, email, password);
          },
        },
      },
      {
        method: 'POST',
        path: Paths.refresh,
        options: {
          auth: false,
          validate: { payload: RefreshPayload },
          handler: (request) => refresh(deps, (request.payload as RefreshRequest).refreshToken),
        },
      },
      {
        method: 'POST',
        path: Paths.logout,
        options: {
          validate: { payload: LogoutPayload },
          handler: async (request, h) => {
            const body = (request.payload ?? {}) as LogoutRequest;
            const user = currentUser(request);
            if (body.all === true) {
              await logoutEverywhere(deps, user.id);
            } else {
              await logout(deps, user.id, body.refreshToken);
            }
            return h.response().code(204);
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
