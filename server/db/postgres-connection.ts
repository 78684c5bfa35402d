import type { Options } from 'postgres';

/** How the store connects; every value can also be given in `DATABASE_URL` (see {@link postgresConnectionOptions}). */
export interface PostgresConnectionDefaults {
  /** Most connections in the pool. */
  max: number;
  /** Seconds a TCP connect plus the start-up handshake may take before that attempt fails and the next host is tried. */
  connectTimeout: number;
  /** Seconds an unused connection stays open. */
  idleTimeout: number;
  /** Seconds a connection lives at most, jittered so the pool does not reconnect all at once (see below). */
  maxLifetime: number;
  /** Seconds a connection is idle before TCP keepalive probes start. */
  keepAlive: number;
  /** `statement_timeout` sent at connect, in milliseconds: the server cancels any one statement that runs longer. */
  statementTimeoutMs: number;
}

export const POSTGRES_CONNECTION_DEFAULTS: PostgresConnectionDefaults = {
  max: 10,
  connectTimeout: 2,
  idleTimeout: 30,
  maxLifetime: 90,
  keepAlive: 10,
  statementTimeoutMs: 15_000,
};

const internals = {
  /**
   * Options the `postgres` package reads from the URL's query string itself (as libpq does for connect_timeout and
   * target_session_attrs). When the URL names one, it wins over the default here.
   */
  urlOptions: ['connect_timeout', 'idle_timeout', 'max_lifetime', 'keep_alive', 'prepare', 'target_session_attrs'] as const,

  /** `host1,host2:5433` in `postgres://user@host1,host2:5433/db`: the driver's multi-host form. */
  hostCount(url: string): number {
    const authority = url.slice(url.indexOf('://') + 3).split(/[/?#]/)[0] ?? '';
    const hosts = authority.slice(authority.lastIndexOf('@') + 1);
    return hosts.split(',').filter((host) => host !== '').length;
  },

  queryParams(url: string): URLSearchParams {
    const query = url.indexOf('?');
    return new URLSearchParams(query === -1 ? '' : url.slice(query + 1).split('#')[0]);
  },
};

/**
 * The driver options for `url`: shop's defaults for failover, each overridable by the same-named URL parameter.
 *
 * - `target_session_attrs=primary` when the URL names several hosts, so after a failover a connection is only kept
 *   on the promoted server, and every reconnect (a lifetime ending, a connection lost) checks again.
 * - A bounded `max_lifetime` (jittered ±33 %): a connection that reached a server which is no longer the primary, but
 *   still answers, is replaced within that time even if nothing else notices.
 * - `statement_timeout`, sent as a start-up parameter unless the URL sets its own: a live server ends a stuck
 *   statement itself. PgBouncer 1.18 refuses unknown start-up parameters, so behind it pass `statement_timeout` in
 *   `ignore_startup_parameters` and set it on the role instead (`ALTER ROLE shop SET statement_timeout = '15s'`).
 * - `prepare=false` in the URL is what PgBouncer's transaction pooling needs (its 1.18 keeps no prepared statements
 *   across transactions); the default keeps named prepared statements, one parse per connection.
 */
export function postgresConnectionOptions(url: string, defaults: PostgresConnectionDefaults = POSTGRES_CONNECTION_DEFAULTS): Options<Record<string, never>> {
  const params = internals.queryParams(url);
  const given = (name: string): boolean => params.has(name);
  const options: Options<Record<string, never>> = {
    // CREATE TABLE IF NOT EXISTS and friends send notices; they are not for the application log.
    onnotice: () => {},
    // Only needed for custom and array types, which the store does not use; skipping it saves a round trip per connect.
    fetch_types: false,
    // Seconds before reconnecting after a failed connection. The driver's default grows to 20 s during an outage, and
    // every query waits for the next attempt, so requests would hang instead of answering 503 at once; capped at
    // half a second, a request answers quickly and the pool is back within moments of the database.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2),
    connection: {
      application_name: 'shop',
      ...(given('statement_timeout') ? {} : { statement_timeout: defaults.statementTimeoutMs }),
    },
  };
  const set = <K extends (typeof internals.urlOptions)[number]>(name: K, value: Options<Record<string, never>>[K]): void => {
    if (!given(name)) {
      (options as Record<string, unknown>)[name] = value;
    }
  };
  // Always ours: postgres 3.4.9 keeps `max` from a URL as a string, and `Array('4')` would make a pool of one.
  options.max = defaults.max;
  set('connect_timeout', defaults.connectTimeout);
  set('idle_timeout', defaults.idleTimeout);
  // A function: the driver draws one value per connection.
  set('max_lifetime', (() => defaults.maxLifetime * (2 / 3 + Math.random() * (2 / 3))) as unknown as number);
  set('keep_alive', defaults.keepAlive);
  if (internals.hostCount(url) > 1) {
    // Not read-write: postgres 3.4.9 decides read-write from default_transaction_read_only alone when the server reports
    // it (PostgreSQL 14+), which is off on a hot standby, so it would keep a connection to a standby. primary checks
    // in_hot_standby (or asks pg_is_in_recovery() when the server does not report it, as behind PgBouncer).
    set('target_session_attrs', 'primary');
  }
  return options;
}
