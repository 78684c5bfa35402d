import { setTimeout as sleep } from 'node:timers/promises';

import postgres, { type Sql } from 'postgres';

import { postgresAccounts } from './postgres-accounts.js';
import { postgresDevices } from './postgres-devices.js';
import { postgresOrders } from './postgres-orders.js';
import { POSTGRES_CONNECTION_DEFAULTS, postgresConnectionOptions } from './postgres-connection.js';
import { isConnectionError, isReadOnlyError, toStoreError } from './postgres-errors.js';
import { migratePostgres } from './postgres-migrate.js';
import { POSTGRES_POOL_DEFAULTS, PostgresPool, type PostgresPoolOptions } from './postgres-pool.js';
import {
  createPostgresQueries,
  type PostgresQueries,
  type PostgresQueryOptions,
  type Queryable,
} from './postgres-queries.js';
import { StoreUnavailableError, type Store } from './store.js';
import { type TransactionCheckOptions, TransactionScope, TransactionState } from './transaction-scope.js';

export interface PostgresStoreOptions extends TransactionCheckOptions {
  /** Most connections in the pool. Default 10. */
  max?: number;
  /**
   * Milliseconds `idempotency.claim` waits for another transaction that holds the same key before it answers
   * `in_flight`. Default 5000: long enough for any mutation to finish, short enough for a client to retry.
   */
  idempotencyWaitMs?: number;
  /** When the pool gives up on a server that stopped answering; see {@link PostgresPool}. */
  pool?: Partial<PostgresPoolOptions>;
  /** Told of events an operator wants in the log (the pool replaced after a failover). */
  onWarning?: ((message: string) => void) | undefined;
}

interface Guards {
  /** Runs before every call; throws to refuse it. */
  before(): void;
  /** Sees every failure before it is rethrown. */
  failed?(error: unknown): void;
  track<R>(work: Promise<R>): Promise<R>;
}

/**
 * A transaction's life, plus whether its connection was lost. Once it is, nothing may be sent on that connection
 * again, not even COMMIT or ROLLBACK: postgres 3.4.9 throws an uncatchable TypeError (taking the process down) when a
 * reserved connection is written to after it closed (porsager/postgres#1208).
 */
class PostgresTransactionState extends TransactionState {
  lost: unknown = undefined;
  /** Set when a claim gave up waiting: Postgres aborted the transaction, which can now only roll back. */
  abortedByClaim = false;
}

const internals = {
  /** Wraps every method so it first runs `before`, and reports connection failures as `StoreUnavailableError`. */
  guarded<T extends object>(target: T, guards: Guards): T {
    const wrapped: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(target)) {
      const fn = method as (...args: unknown[]) => Promise<unknown>;
      wrapped[name] = async (...args: unknown[]) => {
        guards.before();
        try {
          return await guards.track(fn(...args));
        } catch (error) {
          guards.failed?.(error);
          throw toStoreError(error);
        }
      };
    }
    return wrapped as T;
  },

  /** Never settles. */
  forever(): Promise<never> {
    return new Promise<never>(() => {});
  },

  /**
   * A lock or an idempotency claim outside a transaction would end with its statement, protecting nothing: that is a
   * bug in the caller.
   */
  requiresTransaction(operation: string): () => Promise<never> {
    return () => Promise.reject(new Error(`${operation} only means something inside transaction(); call it on the tx store`));
  },

  /** How long `/readyz` waits for the database before it says not ready: a load balancer's probe waits about a second. */
  readinessTimeoutMs: 1000,

  /**
   * Every call to `pool.sql` as it is when the call is made, so queries built once keep working after the pool is
   * replaced. Methods are bound once per pool, not on every call: this sits under every statement.
   */
  forwarding(pool: PostgresPool): Sql {
    let bound = new Map<PropertyKey, unknown>();
    let boundTo = pool.sql;
    return new Proxy(function forwarded() {} as unknown as Sql, {
      apply: (_target, _this, args: unknown[]) => (pool.sql as unknown as (...params: unknown[]) => unknown)(...args),
      get: (_target, property) => {
        const sql = pool.sql;
        if (sql !== boundTo) {
          bound = new Map();
          boundTo = sql;
        }
        let value = bound.get(property);
        if (value === undefined) {
          value = Reflect.get(sql, property);
          if (typeof value === 'function') {
            value = (value as (...params: unknown[]) => unknown).bind(sql);
          }
          bound.set(property, value);
        }
        return value;
      },
    });
  },

  /** Postgres has already aborted the transaction; without this, COMMIT would quietly roll it back and "succeed". */
  claimAbortedError(): Error {
    return new Error(
      'the transaction was aborted when idempotency.claim() stopped waiting and answered in_flight; end the work by throwing',
    );
  },
};

/**
 * Connects a pool to Postgres and brings the schema up to date. Transactions use `sql.begin` (one pooled connection,
 * READ COMMITTED); cart and user locks are `SELECT … FOR UPDATE`; an idempotency claim waits at most
 * `idempotencyWaitMs` for another transaction's uncommitted claim of the same key. Failing to reach the database is
 * reported as `StoreUnavailableError`, at start-up and on every call. Connection settings (timeouts, lifetime,
 * `target_session_attrs` for a multi-host URL) are in postgres-connection.ts; the pool that is replaced when its server
 * stops answering is in postgres-pool.ts.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const claimWaitMs = options.idempotencyWaitMs ?? 5000;
  // lock_timeout = 0 would mean waiting for ever.
  if (!Number.isInteger(claimWaitMs) || claimWaitMs <= 0) {
    throw new RangeError(`idempotencyWaitMs must be a positive integer, not ${claimWaitMs}`);
  }
  const connection = postgresConnectionOptions(url, { ...POSTGRES_CONNECTION_DEFAULTS, max: options.max ?? POSTGRES_CONNECTION_DEFAULTS.max });
  const pool = new PostgresPool(() => postgres(url, connection), {
    ...POSTGRES_POOL_DEFAULTS,
    onReplaced: (reason) => options.onWarning?.(`database connections replaced: ${reason}`),
    ...options.pool,
  });
  try {
    await pool.watch(migratePostgres(pool.sql));
  } catch (error) {
    await pool.end(0);
    throw toStoreError(error);
  }
  return new PostgresStore(pool, { claimWaitMs }, options.checkTransactionUse ?? true).root;
}

class PostgresStore {
  readonly root: Store;
  readonly #pool: PostgresPool;
  readonly #queryOptions: PostgresQueryOptions;
  readonly #scope: TransactionScope;
  /** Calls and transactions still running; close() lets them finish before it ends the pool. */
  readonly #running = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(pool: PostgresPool, queryOptions: PostgresQueryOptions, checkTransactionUse: boolean) {
    this.#pool = pool;
    this.#scope = new TransactionScope(checkTransactionUse);
    this.#queryOptions = queryOptions;
    const sql = internals.forwarding(pool);
    const rootGuards: Guards = {
      before: () => {
        this.#scope.assertOutside('a store method');
        this.#assertOpen();
      },
      failed: (error) => {
        if (isReadOnlyError(error)) {
          this.#pool.replace('a write reached a read-only server');
        }
      },
      track: (work) => this.#track(work),
    };
    const queries = this.#guardAll(createPostgresQueries(sql, queryOptions), rootGuards);
    const accounts = internals.guarded(postgresAccounts(sql), rootGuards);
    accounts.erase = internals.requiresTransaction('accounts.erase');
    queries.users.lock = internals.requiresTransaction('users.lock');
    queries.carts.lock = internals.requiresTransaction('carts.lock');
    const devices = internals.guarded(postgresDevices(sql), rootGuards);
    devices.lock = internals.requiresTransaction('devices.lock');
    queries.idempotency.claim = internals.requiresTransaction('idempotency.claim');
    queries.idempotency.complete = internals.requiresTransaction('idempotency.complete');
    this.root = {
      dialect: 'postgres',
      ...queries,
      accounts,
      orders: internals.guarded(postgresOrders(sql), rootGuards),
      devices,
      ping: () => this.#ready(),
      transaction: (work) => this.#transaction(work),
      close: () => this.#close(),
    };
  }

  #guardAll(queries: PostgresQueries, guards: Guards): PostgresQueries {
    return {
      users: internals.guarded(queries.users, guards),
      products: internals.guarded(queries.products, guards),
      carts: internals.guarded(queries.carts, guards),
      preferences: internals.guarded(queries.preferences, guards),
      tokens: internals.guarded(queries.tokens, guards),
      idempotency: internals.guarded(queries.idempotency, guards),
      loginFailures: internals.guarded(queries.loginFailures, guards),
      registrationAttempts: internals.guarded(queries.registrationAttempts, guards),
      emailSkeletons: internals.guarded(queries.emailSkeletons, guards),
      ping: internals.guarded({ ping: queries.ping }, guards).ping,
    };
  }

  #assertOpen(): void {
    if (this.#closing) {
      throw new StoreUnavailableError('the store is closed');
    }
  }

  /**
   * Readiness: a server that accepts writes answers within a bound. A standby (hot or just demoted) answers but is not
   * ready, nor is a server that does not answer in time.
   */
  async #ready(): Promise<void> {
    this.#scope.assertOutside('ping()');
    this.#assertOpen();
    const check = this.#track(
      this.#pool.sql<{ writable: boolean }[]>`
        SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off' AS writable`,
    );
    const timedOut = sleep(internals.readinessTimeoutMs, undefined, { ref: false });
    let rows: { writable: boolean }[] | undefined;
    try {
      rows = await Promise.race([check, timedOut]);
    } catch (error) {
      throw toStoreError(error);
    }
    if (rows === undefined) {
      throw new StoreUnavailableError(`the database did not answer within ${internals.readinessTimeoutMs} ms`);
    }
    if (rows[0]?.writable !== true) {
      throw new StoreUnavailableError('the database is read-only (a standby): no writable database');
    }
  }

  #track<R>(work: Promise<R>): Promise<R> {
    this.#pool.watch(work).catch(() => {});
    this.#running.add(work);
    const forget = (): void => {
      this.#running.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  async #transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    this.#scope.assertOutside('transaction()');
    this.#assertOpen();
    const state = new PostgresTransactionState();
    let abandon: (error: unknown) => void = () => {};
    const abandoned = new Promise<never>((_, reject) => {
      abandon = reject;
    });

    const transaction = this.#pool.sql.begin(async (tx) => {
      let outcome: { value: T } | { error: unknown };
      try {
        outcome = { value: await this.#scope.run(state, () => work(this.#transactionStore(tx, state))) };
      } catch (error) {
        outcome = { error };
      } finally {
        state.active = false;
      }
      if (state.lost !== undefined) {
        // Returning would make the driver send COMMIT or ROLLBACK on the dead connection (see PostgresTransactionState).
        // The server has already ended the transaction, so leave the driver's side of it pending for good.
        abandon(state.lost);
        return internals.forever();
      }
      if ('error' in outcome) {
        throw outcome.error;
      }
      if (state.abortedByClaim) {
        throw internals.claimAbortedError();
      }
      return outcome.value;
    });
    // The driver rejects `begin` as soon as the connection closes, possibly while `work` is still running.
    transaction.catch((error: unknown) => {
      if (state.active && isConnectionError(error)) {
        state.lost ??= error;
      }
    });

    try {
      // sql.begin's declared result type unwraps arrays of promises; `work` returns a plain T.
      return (await this.#track(Promise.race([transaction, abandoned]))) as T;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  #transactionStore(tx: Queryable, state: PostgresTransactionState): Store {
    const before = (operation: string): void => {
      TransactionScope.assertActive(state, operation);
      if (state.lost !== undefined) {
        throw toStoreError(state.lost);
      }
      if (state.abortedByClaim) {
        throw internals.claimAbortedError();
      }
    };
    const queryOptions: PostgresQueryOptions = {
      ...this.#queryOptions,
      onClaimTimeout: () => {
        state.abortedByClaim = true;
      },
    };
    const guards: Guards = {
      before: () => before('a store method'),
      failed: (error) => {
        if (isConnectionError(error)) {
          state.lost ??= error;
        } else if (isReadOnlyError(error)) {
          // This connection reached a server that is no longer the primary: none of the pool's may be trusted.
          this.#pool.replace('a write reached a read-only server');
        }
      },
      track: (work) => {
        this.#pool.watch(work).catch(() => {});
        return work;
      },
    };
    const queries = this.#guardAll(createPostgresQueries(tx, queryOptions), guards);
    // transaction() on the tx store joins this transaction: no savepoint and no commit of its own, so the outer work
    // alone decides, by resolving or rejecting, whether everything commits.
    const store: Store = {
      dialect: 'postgres',
      ...queries,
      accounts: internals.guarded(postgresAccounts(tx), guards),
      orders: internals.guarded(postgresOrders(tx), guards),
      devices: internals.guarded(postgresDevices(tx), guards),
      transaction: async (work) => {
        before('transaction()');
        return work(store);
      },
      close: () => Promise.reject(new Error('close() was called on a tx store; close the root store after the transaction')),
    };
    return store;
  }

  async #close(): Promise<void> {
    this.#scope.assertOutside('close()');
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#running]);
      // Every call has settled, so what is left is idle, or stuck (a connection the server killed inside a transaction
      // never reports itself ended): after a second, cut it off rather than hang the shutdown.
      await this.#pool.end(1);
    })();
    return this.#closing;
  }
}
