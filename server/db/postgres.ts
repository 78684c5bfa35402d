import postgres, { type Sql } from 'postgres';

import { isConnectionError, toStoreError } from './postgres-errors.js';
import { migratePostgres } from './postgres-migrate.js';
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
 * reported as `StoreUnavailableError`, at start-up and on every call.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const claimWaitMs = options.idempotencyWaitMs ?? 5000;
  // lock_timeout = 0 would mean waiting for ever.
  if (!Number.isInteger(claimWaitMs) || claimWaitMs <= 0) {
    throw new RangeError(`idempotencyWaitMs must be a positive integer, not ${claimWaitMs}`);
  }
  const sql = postgres(url, {
    max: options.max ?? 10,
    // Seconds. Idle connections are closed so a quiet instance does not hold server slots.
    idle_timeout: 30,
    connect_timeout: 10,
    // Seconds before reconnecting after a failed connection. The driver's default grows to 20 s during an outage, and
    // every query waits for the next attempt, so requests would hang instead of answering 503 at once; capped at
    // half a second, a request answers quickly and the pool is back within moments of the database.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2),
    // CREATE TABLE IF NOT EXISTS and friends send notices; they are not for the application log.
    onnotice: () => {},
    // Only needed for custom and array types, which the store does not use; skipping it saves a round trip per connect.
    fetch_types: false,
    connection: { application_name: 'shop' },
  });
  try {
    await migratePostgres(sql);
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw toStoreError(error);
  }
  return new PostgresStore(sql, { claimWaitMs }, options.checkTransactionUse ?? true).root;
}

class PostgresStore {
  readonly root: Store;
  readonly #sql: Sql;
  readonly #queryOptions: PostgresQueryOptions;
  readonly #scope: TransactionScope;
  /** Calls and transactions still running; close() lets them finish before it ends the pool. */
  readonly #running = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(sql: Sql, queryOptions: PostgresQueryOptions, checkTransactionUse: boolean) {
    this.#sql = sql;
    this.#scope = new TransactionScope(checkTransactionUse);
    this.#queryOptions = queryOptions;
    const queries = this.#guardAll(createPostgresQueries(sql, queryOptions), {
      before: () => {
        this.#scope.assertOutside('a store method');
        this.#assertOpen();
      },
      track: (work) => this.#track(work),
    });
    queries.users.lock = internals.requiresTransaction('users.lock');
    queries.carts.lock = internals.requiresTransaction('carts.lock');
    queries.idempotency.claim = internals.requiresTransaction('idempotency.claim');
    queries.idempotency.complete = internals.requiresTransaction('idempotency.complete');
    this.root = {
      dialect: 'postgres',
      ...queries,
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

  #track<R>(work: Promise<R>): Promise<R> {
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

    const transaction = this.#sql.begin(async (tx) => {
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
    const queries = this.#guardAll(createPostgresQueries(tx, queryOptions), {
      before: () => before('a store method'),
      failed: (error) => {
        if (isConnectionError(error)) {
          state.lost ??= error;
        }
      },
      track: (work) => work,
    });
    // transaction() on the tx store joins this transaction: no savepoint and no commit of its own, so the outer work
    // alone decides, by resolving or rejecting, whether everything commits.
    const store: Store = {
      dialect: 'postgres',
      ...queries,
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
      await this.#sql.end({ timeout: 1 });
    })();
    return this.#closing;
  }
}
