import type { Plugin, Request } from '@hapi/hapi';

import { Paths } from '../../shared/http.js';
import type { ChangePasswordRequest, DeleteAccountRequest } from '../../shared/wire.js';
import { loginAccountKey } from '../auth/login-throttle.js';
import type { SessionDeps } from '../auth/sessions.js';
import { currentUser } from '../auth/strategy.js';
import { type AccountRequest, changePassword, deleteAccount, exportAccount } from '../domain/account.js';
import type { PersonalDataOwner } from '../db/store.js';
import type { RouteDeps } from './deps.js';
import { registrationScope, userScope } from './idempotency.js';
import { ChangePasswordPayload, DeleteAccountPayload } from './schemas.js';

const internals = {
  /** Every key under which the database may hold this user's rows; personal-data.ts says which table uses which. */
  owner(request: Request): PersonalDataOwner {
    const user = currentUser(request);
    // A guest has no email: no registration of it, no login throttle rows.
    return {
      userId: user.id,
      idempotencyScopes: user.email === null ? [userScope(user.id)] : [userScope(user.id), registrationScope(user.email)],
      loginAccounts: user.email === null ? [] : [loginAccountKey(user.email)],
    };
  },

  account(request: Request): AccountRequest {
    return { owner: internals.owner(request), clientAddress: request.app.clientAddress };
  },

  noIdempotencyKey:
    'Takes no Idempotency-Key (one sent is ignored): a stored answer would keep tokens or personal data in the server.',
};

/**
 * The account's life after registration: change the password, delete the account, export what the server holds.
 * Password change and deletion are confirmed with the current password, which the login throttle counts.
 */
export const accountRoutes: Plugin<RouteDeps> = {
  name: 'shop-account',
  register(server, { store, config, now, hashing }) {
    const sessions: SessionDeps = { store, config, now, hashing };

    server.route([
      {
        method: 'POST',
        path: Paths.mePassword,
        options: {
          description: 'Change the password: every other login is revoked, the caller gets a new token pair',
          notes: `422 PASSWORD_INCORRECT when currentPassword is wrong (counted like a failed login; 429 RATE_LIMITED after too many). ${internals.noIdempotencyKey}`,
          validate: { payload: ChangePasswordPayload },
          handler: async (request, h) => {
            const { currentPassword, newPassword } = request.payload as ChangePasswordRequest;
            const pair = await changePassword(sessions, internals.account(request), currentPassword, newPassword);
            return h.response(pair).header('Cache-Control', 'no-store');
          },
        },
      },
      {
        method: 'DELETE',
        path: Paths.me,
        options: {
          description: 'Delete the account and everything that names it, confirmed with the password',
          notes: `204; every token of the user stops working at once. 422 PASSWORD_INCORRECT (counted like a failed login). ${internals.noIdempotencyKey}`,
          validate: { payload: DeleteAccountPayload },
          handler: async (request, h) => {
            await deleteAccount(sessions, internals.account(request), (request.payload as DeleteAccountRequest).password);
            return h.response().code(204);
          },
        },
      },
      {
        method: 'GET',
        path: Paths.meExport,
        options: {
          description: 'Everything the server holds about the user, as one JSON document (never a hash or a token)',
          handler: async (request, h) => {
            const document = await exportAccount(sessions, internals.owner(request));
            return h.response(document).header('Cache-Control', 'no-store');
          },
        },
      },
    ]);
  },
};
