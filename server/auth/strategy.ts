import type { Plugin, Request, ServerAuthSchemeObject, UserCredentials } from '@hapi/hapi';

import type { Config } from '../config.js';
import type { CartRecord, Store, UserRecord } from '../db/store.js';
import { guestRefusal, ShopError } from '../domain/errors.js';
import { createAccessTokenVerifier } from './access-tokens.js';

declare module '@hapi/hapi' {
  interface UserCredentials {
    id: string;
    /** `null` for a guest. */
    email: string | null;
    /** A guest (`POST /auth/guest`): the catalogue, a cart and preferences, not orders. */
    guest: boolean;
    tokenVersion: number;
    createdAt: Date;
  }
  interface PluginSpecificConfiguration {
    /** `withCart: true`: the route reads the user's cart, so authentication reads it with the user row (one statement). */
    [AUTH_PLUGIN]?: { withCart?: boolean };
  }
  interface RequestApplicationState {
    /** On routes with `withCart`: the cart, read in the same statement (and snapshot) as the token's user row. */
    cart?: CartRecord;
  }
}

/** The key of the strategy's route options: `options.plugins[AUTH_PLUGIN] = { withCart: true }`. */
export const AUTH_PLUGIN = 'shop-auth';

export interface AuthStrategyOptions {
  store: Store;
  config: Pick<Config, 'jwt'>;
  now: () => Date;
}

/** The name routes use in `options.auth`; it is also the server's default strategy. */
export const ACCESS_TOKEN_STRATEGY = 'access-token';

const internals = {
  scheme: 'shop-bearer',
  /** Only the `Authorization: Bearer` header carries tokens: never a query string or cookie, which end up in logs. */
  bearer: /^Bearer +([A-Za-z0-9\-_.]+=*) *$/i,
};

/**
 * Bearer authentication that trusts nothing in the process: after the token proves itself, the user row is loaded
 * from the database on every request, and a token whose `ver` is not the user's current token version is revoked.
 */
export const authStrategy: Plugin<AuthStrategyOptions> = {
  name: 'shop-auth-strategy',
  register(server, { store, config, now }) {
    const verifyAccessToken = createAccessTokenVerifier(config.jwt);
    server.auth.scheme(internals.scheme, (): ServerAuthSchemeObject => ({
      async authenticate(request, h) {
        const header: unknown = request.headers.authorization;
        if (typeof header !== 'string' || header === '') {
          throw new ShopError('AUTH_REQUIRED', 'This route needs an access token: send Authorization: Bearer <token>', {
            'WWW-Authenticate': 'Bearer',
          });
        }
        const match = internals.bearer.exec(header);
        if (!match) {
          throw new ShopError('TOKEN_INVALID', 'Authorization header must be "Bearer <token>"', {
            'WWW-Authenticate': 'Bearer error="invalid_request"',
          });
        }
        const at = now();
        const claims = verifyAccessToken(match[1] as string, at);
        let user: UserRecord | null;
        if (request.route.settings.plugins?.[AUTH_PLUGIN]?.withCart === true) {
          const found = await store.users.findWithCart(claims.sub);
          user = found?.user ?? null;
          request.app.cart = found?.cart;
        } else {
          user = await store.users.findById(claims.sub);
        }
        if (!user && claims.guest) {
          throw guestExpired();
        }
        if (!user || user.tokenVersion !== claims.ver) {
          throw new ShopError('TOKEN_REVOKED', 'Access token was revoked; log in again', {
            'WWW-Authenticate': 'Bearer error="invalid_token"',
          });
        }
        if (user.kind === 'guest' && user.touchedAt.getTime() <= at.getTime() - GUEST_TOUCH_INTERVAL_MS) {
          // At most one write per guest per interval, whatever the route: idle time is only needed to the hour.
          await store.users.touchGuest(user.id, at, new Date(at.getTime() - GUEST_TOUCH_INTERVAL_MS));
        }
        return h.authenticated({
          credentials: {
            user: { id: user.id, email: user.email, guest: user.kind === 'guest', tokenVersion: user.tokenVersion, createdAt: user.createdAt },
          },
          artifacts: { exp: claims.exp },
        });
      },
    }));
    server.auth.strategy(ACCESS_TOKEN_STRATEGY, internals.scheme);
    server.auth.default(ACCESS_TOKEN_STRATEGY);
  },
};

/** How stale a guest's `touchedAt` may get before a request refreshes it. */
export const GUEST_TOUCH_INTERVAL_MS = 60 * 60 * 1000;

/** 401 `GUEST_EXPIRED`: a guest's token whose guest is gone (idle too long, or merged into an account). */
export function guestExpired(): ShopError {
  return new ShopError('GUEST_EXPIRED', 'This guest session has ended (idle too long, or merged into an account); log in or start again as a guest', {
    'WWW-Authenticate': 'Bearer error="invalid_token"',
  });
}

/** The authenticated user of a route only an account may use; 403 `GUEST_NOT_ALLOWED` for a guest. */
export function currentAccount(request: Request, what: string): UserCredentials {
  const user = currentUser(request);
  if (user.guest) {
    throw guestRefusal(what);
  }
  return user;
}

/** The authenticated user of a route that requires auth. */
export function currentUser(request: Request): UserCredentials {
  const user = request.auth.credentials?.user;
  if (!user) {
    // Only reachable if a route that needs a user was declared with `auth: false`: a programming error.
    throw new Error(`route ${request.route.path} reads the user but is not authenticated`);
  }
  return user;
}
