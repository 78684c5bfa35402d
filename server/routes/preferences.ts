import type { Plugin, Request } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { SetPreferenceRequest } from '../../shared/wire.js';
import { currentUser } from '../auth/strategy.js';
import { deletePreference, getPreference, listPreferences, setPreference } from '../domain/preferences.js';
import type { RouteDeps } from './deps.js';
import { runIdempotent, userScope } from './idempotency.js';
import { MutationHeaders, PreferenceKeyParams, SetPreferencePayload } from './schemas.js';

const internals = {
  key(request: Request): string {
    return (request.params as { key: string }).key;
  },
};

/** The authenticated user's preferences, read from and written to the database on every call. */
export const preferenceRoutes: Plugin<RouteDeps> = {
  name: 'shop-preferences',
  register(server, { store, now, idempotency }) {
    server.route([
      {
        method: 'GET',
        path: Paths.preferences,
        options: { description: 'Every preference of the user' },
        handler: (request) => listPreferences(store, currentUser(request).id),
      },
      {
        method: 'GET',
        path: '/preferences/{key}',
        options: {
          description: 'One preference',
          validate: { params: PreferenceKeyParams },
          handler: (request) => getPreference(store, currentUser(request).id, internals.key(request)),
        },
      },
      {
        method: 'PUT',
        path: '/preferences/{key}',
        options: {
          description: 'Set a preference',
          validate: { params: PreferenceKeyParams, payload: SetPreferencePayload, headers: MutationHeaders },
          handler: (request, h) => {
            const { value } = request.payload as SetPreferenceRequest;
            const userId = currentUser(request).id;
            return runIdempotent(request, h, idempotency, userScope(userId), async (tx) => ({
              status: 200,
              body: await setPreference(tx, userId, internals.key(request), value, now()),
            }));
          },
        },
      },
      {
        method: 'DELETE',
        path: '/preferences/{key}',
        options: {
          description: 'Remove a preference',
          validate: { params: PreferenceKeyParams, headers: MutationHeaders },
          handler: (request, h) => {
            const userId = currentUser(request).id;
            return runIdempotent(request, h, idempotency, userScope(userId), async (tx) => {
              await deletePreference(tx, userId, internals.key(request));
              return { status: 204 };
            });
          },
        },
      },
    ]);
  },
};
