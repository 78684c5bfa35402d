import type { GuestMergeReport, Me, RegisteredUser } from '../../shared/wire.js';
import type { View } from './view.js';

export interface Identity {
  server: string;
  me: Me;
}

/** `shop whoami`: plain prints just the email, for `$(shop whoami)`. */
export const identityView: View<Identity> = {
  json: ({ server, me }) => ({ server, ...me }),
  plain: ({ me }) => [[me.email ?? 'guest']],
  text: ({ server, me }) => (me.email === null ? `Shopping on ${server} as a guest (\`shop register\` or \`shop login\` keeps the cart)` : `Logged in to ${server} as ${me.email}`),
};

export interface LoginResult {
  server: string;
  /** `null` for a guest's token given with `--with-token`. */
  email: string | null;
  /** ISO 8601, or null for a token without expiry. */
  expiresAt: string | null;
  /** What happened to the guest cart this machine had, when it had one. */
  merge?: GuestMergeReport;
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
