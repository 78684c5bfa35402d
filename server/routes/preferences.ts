import type { Plugin, Request } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { SetPreferenceRequest } from '../../shared/wire.js';
import { currentUser } from '../auth/strategy.js';
import { deletePreference, getPreference, listPreferences, setPreference } from '../domain/preferences.js';
import type { RouteDeps } from './deps.js';
import { PreferenceKeyParams, SetPreferencePayload } from './schemas.js';

const internals = {
  key(request: Request): string {
    return (request.params as { key: string }).key;
  },
};

/** The authenticated user's preferences, read from and written to the database on every call. */
export const preferenceRoutes: Plugin<RouteDeps> = {
  name: 'shop-preferences',
  register(server, { store, now }) {
    server.route([
      {
        method: 'GET',
        path: Paths.preferences,
        handler: (request) => listPreferences(store, currentUser(request).id),
      },
      {
        method: 'GET',
        path: '/preferences/{key}',
        options: {
          validate: { params: PreferenceKeyParams },
          handler: (request) => getPreference(store, currentUser(request).id, internals.key(request)),
        },
      },
      {
        method: 'PUT',
        path: '/preferences/{key}',
        options: {
          validate: { params: PreferenceKeyParams, payload: SetPreferencePayload },
          handler: (request) => {
            const { value } = request.payload as SetPreferenceRequest;
            return setPreference(store, currentUser(request).id, internals.key(request), value, now());
          },
        },
      },
      {
        method: 'DELETE',
        path: '/preferences/{key}',
        options: {
          validate: { params: PreferenceKeyParams },
          handler: async (request, h) => {
            await deletePreference(store, currentUser(request).id, internals.key(request));
            return h.response().code(204);
          },
        },
      },
    ]);
  },
};
