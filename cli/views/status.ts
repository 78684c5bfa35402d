import { readableTime } from '../time-text.js';
import type { View } from './view.js';

/**
 * What the server said of the login: `valid` (it accepted it), `rejected` (401/403: revoked, expired beyond refresh),
 * `unchecked` (the server could not be reached), `none` (no token at all).
 */
export type LoginState = 'valid' | 'rejected' | 'unchecked' | 'none';

export interface StatusReport {
  server: string;
  /** Which setting chose the server: `--server`, `SHOP_SERVER`, `shop config`, or the default. */
  serverSource: 'flag' | 'env' | 'config' | 'default';
  reachable: boolean;
  /** Why not, when not reachable. */
  problem: string | null;
  /** The logged-in email, when known. */
  user: string | null;
  /** Whether the login is a guest's (no email; `shop register` or `shop login` keeps its cart). */
  guest: boolean;
  login: LoginState;
  /** Why the login is not usable, when it is not. */
  loginProblem: string | null;
  /** `SHOP_TOKEN` when the environment overrides the stored login. */
  tokenSource: 'SHOP_TOKEN' | 'store' | null;
  /** ISO 8601. */
  tokenExpiresAt: string | null;
  tokenExpired: boolean | null;
  /** Whether an expired stored token can be renewed without logging in. */
  refreshable: boolean;
  credentialsFile: string;
  /** Where the stored login keeps its tokens: the OS keyring, or the 0600 credentials file. */
  credentialStore: 'keyring' | 'file' | null;
  /** Changes queued for this server, by any user, waiting to be sent. */
  pendingChanges: number;
  /** Changes this server refused; see `shop queue`. */
  failedChanges: number;
}

/** `shop status`. Plain lines are `FIELD  VALUE`, with the field names of the JSON document. */
export const statusView: View<StatusReport> = {
  json: (report) => report,
  plain: (report) => [
    ['server', report.server],
    ['serverSource', report.serverSource],
    ['reachable', report.reachable],
    ['problem', report.problem],
    ['user', report.user],
    ['guest', report.guest],
    ['login', report.login],
    ['loginProblem', report.loginProblem],
    ['tokenSource', report.tokenSource],
    ['tokenExpiresAt', report.tokenExpiresAt],
    ['tokenExpired', report.tokenExpired],
    ['refreshable', report.refreshable],
    ['credentialsFile', report.credentialsFile],
    ['credentialStore', report.credentialStore],
    ['pendingChanges', report.pendingChanges],
    ['failedChanges', report.failedChanges],
  ],
  ink: (report, ui, theme) =>
    ui.h(ui.KeyValueView, {
      theme,
      entries: [
        { key: 'Server', value: `${report.server} (${describeSource(report.serverSource)})` },
        report.reachable
          ? { key: 'Reachable', value: 'yes', tone: 'success' as const }
          : { key: 'Reachable', value: `no — ${report.problem ?? 'unknown'}`, tone: 'danger' as const },
        describeLogin(report),
        { key: 'Token', value: describeToken(report), ...(report.tokenExpired === true ? { tone: 'warning' as const } : {}) },
        {
          key: 'Stored in',
          value:
            report.tokenSource === 'SHOP_TOKEN'
              ? 'SHOP_TOKEN (environment)'
              : report.credentialStore === 'keyring'
                ? 'the OS keyring (service "shop")'
                : report.credentialsFile,
        },
        {
          key: 'Queued',
          value: describeQueue(report),
          ...(report.pendingChanges + report.failedChanges > 0 ? { tone: 'warning' as const } : {}),
        },
      ],
    }),
};

function describeLogin(report: StatusReport): { key: string; value: string; tone?: 'success' | 'warning' | 'danger' } {
  const who = report.guest ? 'a guest (shop register or shop login keeps the cart)' : (report.user ?? 'unknown');
  switch (report.login) {
    case 'valid':
      return { key: 'Logged in as', value: `${who} (checked with the server)`, tone: 'success' };
    case 'rejected':
      return { key: 'Login', value: `refused by the server — ${report.loginProblem ?? 'unknown'}; run shop login`, tone: 'danger' };
    case 'unchecked':
      return { key: 'Logged in as', value: `${who} (not checked: server unreachable)`, tone: 'warning' };
    case 'none':
      return { key: 'Login', value: 'not logged in — run shop login', tone: 'danger' };
  }
}

function describeSource(source: StatusReport['serverSource']): string {
  switch (source) {
    case 'flag':
      return 'from --server';
    case 'env':
      return 'from SHOP_SERVER';
    case 'config':
      return 'from shop config';
    case 'default':
      return 'default';
  }
}

function describeQueue(report: StatusReport): string {
  if (report.pendingChanges === 0 && report.failedChanges === 0) {
    return 'nothing';
  }
  const parts = [
    report.pendingChanges > 0 ? `${report.pendingChanges} to send — run shop sync` : '',
    report.failedChanges > 0 ? `${report.failedChanges} refused — see shop queue` : '',
  ];
  return parts.filter((part) => part !== '').join('; ');
}

function describeToken(report: StatusReport): string {
  if (report.tokenSource === null) {
    return 'none — run shop login';
  }
  if (report.tokenExpiresAt === null) {
    return 'does not expire';
  }
  if (report.tokenExpired === true) {
    return report.refreshable
      ? `expired ${readableTime(report.tokenExpiresAt, Date.now(), { clockFirst: true })}; renewed on next use`
      : `expired ${readableTime(report.tokenExpiresAt, Date.now(), { clockFirst: true })}; run shop login`;
  }
  // At a terminal: local time and how soon; the JSON and plain lines keep ISO 8601.
  return `valid until ${readableTime(report.tokenExpiresAt, Date.now(), { clockFirst: true })}`;
}
