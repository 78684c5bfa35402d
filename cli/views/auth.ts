import type { Me, RegisteredUser } from '../../shared/wire.js';
import type { View } from './view.js';

export interface Identity {
  server: string;
  me: Me;
}

/** `shop whoami`: plain prints just the email, for `$(shop whoami)`. */
export const identityView: View<Identity> = {
  json: ({ server, me }) => ({ server, ...me }),
  plain: ({ me }) => [[me.email]],
  text: ({ server, me }) => `Logged in to ${server} as ${me.email}`,
};

export interface LoginResult {
  server: string;
  email: string;
  /** ISO 8601, or null for a token without expiry. */
  expiresAt: string | null;
}

/** `shop login`: nothing on stdout but with `--json`; the greeting goes to stderr. Never the token. */
export const loginView: View<LoginResult> = {
  json: (result) => result,
  plain: () => [],
};

export interface LogoutResult {
  server: string;
  /** What the server revoked: this login, every login of the user, or nothing (not logged in, or unreachable). */
  revoked: 'session' | 'all' | 'none';
}

export const logoutView: View<LogoutResult> = {
  json: (result) => result,
  plain: () => [],
};

export interface Registration {
  server: string;
  user: RegisteredUser;
}

/** `shop register`: the new account with `--json`; people get the message on stderr. */
export const registeredView: View<Registration> = {
  json: ({ server, user }) => ({ server, ...user }),
  plain: () => [],
};
