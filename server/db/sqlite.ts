import { setTimeout as sleep } from 'node:timers/promises';

import Database from 'better-sqlite3';

import { Mutex } from './mutex.js';
import { sqliteAccounts } from './sqlite-accounts.js';
import { sqliteOrders } from './sqlite-orders.js';
import { type CheckpointerOptions, type SqliteCheckpointer, startSqliteCheckpointer } from './sqlite-checkpointer.js';
import { isSqliteBusy } from './sqlite-errors.js';
import { sqliteDevices } from './sqlite-devices.js';
import { transactionIdempotency } from './sqlite-idempotency.js';
import { migrateSqlite } from './sqlite-migrate.js';
import { prepareSqliteQueries, type SqliteQueries, type Synchronous } from './sqlite-queries.js';
import { type EmailSkeletonStore, type RegistrationAttemptStore, StoreUnavailableError, type Store } from './store.js';
import { type TransactionCheckOptions, TransactionScope, TransactionState } from './transaction-scope.js';

type Run = <T>(operation: () => T) => Promise<T>;

const internals = {
  /** How long a call keeps retrying while another connection holds the write lock, before giving up with 503. */
  busyTimeoutMs: 5000,

  /**
   * Most transactions one group commit runs: enough to amortise BEGIN and COMMIT under load, few enough that the first
   * one's answer is not held back long and that other processes get the write lock in turn.
   */
  maxGroup: 16,

  /**
   * SQLite's own checkpoint, on the server's connection, only as a backstop behind the checkpoint thread (which
   * restarts the WAL at 4,000 frames): 16,000 frames of 4 KiB is a 64 MiB WAL.
   */
  backstopCheckpointFrames: 16_000,
  /** A WAL file that grew past this is cut back to it when the WAL restarts. */
  walSizeLimitBytes: 64 * 1024 * 1024,

  /** Wraps each synchronous method so it runs through `run` and returns a promise, as the `Store` interface wants. */
  lift<T extends object>(target: Synchronous<T>, run: Run): T {
    const lifted: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(target)) {
      const fn = method as (...args: unknown[]) => unknown;
      lifted[name] = (...args: unknown[]) => run(() => fn(...args));
    }
    return lifted as T;
  },

  /**
   * A lock or an idempotency claim outside a transaction would end with its statement, protecting nothing: that is a
   * bug in the caller.
   */
  requiresTransaction(operation: string): () => Promise<never> {
    return () => Promise.reject(new Error(`${operation} only means something inside transaction(); call it on the tx store`));
  },

  /** Still busy at the deadline means another connection held the write lock too long: worth a retry, not a 500. */
  unavailable(error: unknown): StoreUnavailableError {
    return new StoreUnavailableError(`the database stayed locked: ${(error as Error).message}`, { cause: error });
  },

  /** Waits a little longer each time, with jitter so competing connections do not retry in lockstep. */
  backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(2 ** attempt, 50);
    return sleep(1 + Math.random() * ceiling);
  },
};

export interface SqliteStoreOptions extends TransactionCheckOptions {
  /** Told of trouble that costs speed, not correctness: a failed background checkpoint. */
  onWarning?: ((message: string) => void) | undefined;
  /** How often the checkpoint thread runs, and when it restarts the WAL; its defaults suit a server. */
  checkpoints?: Pick<CheckpointerOptions, 'intervalMs' | 'restartFrames'>;
  /** Largest the database may grow to, in bytes; writes past it fail with SQLITE_FULL as on a full disk. */
  maxBytes?: number | undefined;
}

/**
 * Opens (creating if needed) a SQLite database with better-sqlite3 and brings its schema up to date. A database file
 * gets a checkpoint thread (see sqlite-checkpointer.ts), so no COMMIT on the event loop ever copies the WAL or fsyncs.
 *
 * better-sqlite3 is synchronous, but `transaction(work)` awaits `work`, and while it awaits, other requests would run
 * their statements inside the open transaction. So the store has a gate: a transaction holds it from `BEGIN IMMEDIATE`
 * to `COMMIT`/`ROLLBACK`, and root-store calls made meanwhile queue behind it (when no transaction is open they run at
 * once).
 *
 * Between connections (other processes, or other stores in this one) `BEGIN IMMEDIATE` serialises writers. A connection
 * that finds the write lock taken gets SQLITE_BUSY at once and retries after a short async sleep, for up to
 * `busyTimeoutMs`: SQLite's own busy_timeout would sleep synchronously, freezing every request of this process, and
 * would never let a second store in the same process finish the transaction it is waiting for.
 */
export async function openSqliteStore(filename: string, options: SqliteStoreOptions = {}): Promise<Store> {
  // At start-up blocking is fine, and migrations from several processes must wait for each other.
  const db = new Database(filename, { timeout: internals.busyTimeoutMs });
  try {
    if (!db.memory) {
      // WAL lets readers run while one writer writes, in this process and in others; NORMAL is durable enough with WAL
      // (a power cut may lose the last commits, never corrupt the file) and avoids an fsync per commit.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`wal_autocheckpoint = ${internals.backstopCheckpointFrames}`);
      db.pragma(`journal_size_limit = ${internals.walSizeLimitBytes}`);
    }
    db.pragma('foreign_keys = ON');
    migrateSqlite(db);
    if (options.maxBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
    }
    db.pragma('busy_timeout = 0');
    const checkpointer = db.memory ? undefined : startSqliteCheckpointer(filename, { ...options.checkpoints, onError: options.onWarning });
    return new SqliteStore(db, prepareSqliteQueries(db), options.checkTransactionUse ?? true, checkpointer).root;
  } catch (error) {
    db.close();
    throw isSqliteBusy(error) ? internals.unavailable(error) : error;
  }
}

interface QueuedTransaction {
  work(tx: Store): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The statements that open and end transactions, prepared once: `exec` would parse them again on every call. */
interface TransactionStatements {
  begin: Database.Statement;
  commit: Database.Statement;
  rollback: Database.Statement;
  savepoint: Database.Statement;
  release: Database.Statement;
  rollbackToSavepoint: Database.Statement;
}

class SqliteStore {
  readonly root: Store;
  readonly #db: Database.Database;
  readonly #queries: SqliteQueries;
  readonly #accounts: ReturnType<typeof sqliteAccounts>;
  readonly #orders: ReturnType<typeof sqliteOrders>;
  readonly #devices: ReturnType<typeof sqliteDevices>;
  readonly #control: TransactionStatements;
  readonly #checkpointer: SqliteCheckpointer | undefined;
  readonly #gate = new Mutex();
  readonly #scope: TransactionScope;
  /** Transactions waiting for the next group commit, in arrival order. */
  readonly #queued: QueuedTransaction[] = [];
  /** A group commit loop is running and will pick up whatever is queued. */
  #committing = false;
  #closed = false;

  constructor(db: Database.Database, queries: SqliteQueries, checkTransactionUse: boolean, checkpointer: SqliteCheckpointer | undefined) {
    this.#db = db;
    this.#scope = new TransactionScope(checkTransactionUse);
    this.#queries = queries;
    this.#accounts = sqliteAccounts(db);
    this.#orders = sqliteOrders(db);
    this.#devices = sqliteDevices(db);
    this.#checkpointer = checkpointer;
    this.#control = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT work'),
      release: db.prepare('RELEASE work'),
      rollbackToSavepoint: db.prepare('ROLLBACK TO work'),
    };
    this.root = this.#build(
      (operation) => this.#runRoot(operation),
      (work) => this.#transaction(work),
      () => this.#close(),
      false,
    );
  }

  #build(run: Run, transaction: Store['transaction'], close: Store['close'], inTransaction: boolean): Store {
    const queries = this.#queries;
    const users = internals.lift(queries.users, run);
    const carts = internals.lift(queries.carts, run);
    // A tx store is built for each transaction, and with it the claims that transaction holds.
    const idempotency = internals.lift(transactionIdempotency(queries.idempotency), run);
    const accounts = internals.lift(this.#accounts, run);
    const devices = internals.lift(this.#devices, run);
    if (!inTransaction) {
      accounts.erase = internals.requiresTransaction('accounts.erase');
      users.lock = internals.requiresTransaction('users.lock');
      carts.lock = internals.requiresTransaction('carts.lock');
      devices.lock = internals.requiresTransaction('devices.lock');
      idempotency.claim = internals.requiresTransaction('idempotency.claim');
      idempotency.complete = internals.requiresTransaction('idempotency.complete');
    }
    return {
      dialect: 'sqlite',
      users,
      products: internals.lift(queries.products, run),
      carts,
      preferences: internals.lift(queries.preferences, run),
      tokens: internals.lift(queries.tokens, run),
      idempotency,
      loginFailures: internals.lift(queries.loginFailures, run),
      accounts,
      registrationAttempts: internals.lift<RegistrationAttemptStore>(queries.registrationAttempts, run),
      emailSkeletons: internals.lift<EmailSkeletonStore>(queries.emailSkeletons, run),
      orders: internals.lift(this.#orders, run),
      devices,
      transaction,
      ping: () => run(() => queries.ping()),
      close,
    };
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new StoreUnavailableError('the store is closed');
    }
  }

  /** Runs `operation` once no transaction of this store is open; synchronous from the check to the end. */
  async #gated<T>(operation: () => T): Promise<T> {
    if (!this.#gate.locked) {
      this.#assertOpen();
      return operation();
    }
    const release = await this.#gate.acquire();
    try {
      this.#assertOpen();
      return operation();
    } finally {
      release();
    }
  }

  /**
   * Retries `attempt` while another connection holds the write lock. Only for attempts that did nothing when they
   * failed busy: an autocommit statement, or a BEGIN.
   */
  async #retryWhileBusy<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + internals.busyTimeoutMs;
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isSqliteBusy(error)) {
          throw error;
        }
        if (Date.now() >= deadline) {
          throw internals.unavailable(error);
        }
        await internals.backoff(tries);
      }
    }
  }

  async #runRoot<T>(operation: () => T): Promise<T> {
    this.#scope.assertOutside('a store method');
    return this.#retryWhileBusy(() => this.#gated(operation));
  }

  /** Holds the gate and the database's write lock; resolves to the function that releases the gate. */
  #begin(): Promise<() => void> {
    return this.#retryWhileBusy(async () => {
      const release = await this.#gate.acquire();
      try {
        this.#assertOpen();
        this.#control.begin.run();
        return release;
      } catch (error) {
        // Let this process's other calls run while we wait for the other connection.
        release();
        throw error;
      }
    });
  }

  /**
   * Queues `work` to run in the next group commit (see {@link SqliteStore.#commitGroups}); resolves once its changes have
   * committed, rejects with its own error (its changes rolled back, the others' kept) or with a failed COMMIT.
   */
  async #transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    this.#scope.assertOutside('transaction()');
    return new Promise<T>((resolve, reject) => {
      this.#queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#committing) {
        // A work's store calls are synchronous underneath, so it runs start to finish in microtasks: started now, no
        // other request could ever join its group. Started in the event loop's check phase instead, after the poll
        // phase that delivered this request, it is joined by every request that phase delivered: that is what makes
        // groups form (measured: POST /cart/items throughput ×1.6–2). Alone, it costs one turn of the loop.
        this.#committing = true;
        setImmediate(() => void this.#commitGroups());
      }
    });
  }

  /**
   * Group commit. A write transaction's cost is mostly BEGIN and COMMIT (taking the write lock, appending the changed
   * pages to the WAL), not its statements, and a transaction's awaits already make the next one wait for the gate. So
   * while transactions are queued, one BEGIN IMMEDIATE … COMMIT runs several of them one after another, each inside
   * its own SAVEPOINT: a work that fails rolls back to its savepoint and rejects alone, and no work's promise resolves
   * before the COMMIT that makes it durable. Each work still sees every earlier one's changes, exactly as if they had
   * run as separate transactions in the same order. With one transaction at a time, a group is that one transaction.
   */
  async #commitGroups(): Promise<void> {
    try {
      while (this.#queued.length > 0) {
        let release: () => void;
        try {
          release = await this.#begin();
        } catch (error) {
          for (const waiting of this.#queued.splice(0)) {
            waiting.reject(error);
          }
          return;
        }
        try {
          await this.#commitGroup();
        } finally {
          release();
        }
      }
    } finally {
      this.#committing = false;
    }
  }

  /**
   * Runs the works queued now, up to `internals.maxGroup`, in the open transaction, then commits them. A group of one
   * needs no savepoint: if its work fails, rolling back the transaction rolls back exactly that work.
   */
  async #commitGroup(): Promise<void> {
    const group = this.#queued.splice(0, internals.maxGroup);
    const alone = group.length === 1;
    const control = this.#control;
    const ran: Array<{ waiting: QueuedTransaction; value: unknown }> = [];
    /**
     * How many works of the group have started. Each one started ends up in `ran` or rejected; those after it go back
     * to the queue if the group fails, so every group settles at least one work.
     */
    let started = 0;
    try {
      for (const waiting of group) {
        started += 1;
        const state = new TransactionState();
        try {
          if (!alone) {
            control.savepoint.run();
          }
          const value = await this.#scope.run(state, () => waiting.work(this.#transactionStore(state)));
          state.active = false;
          if (!alone) {
            control.release.run();
          }
          ran.push({ waiting, value });
        } catch (error) {
          state.active = false;
          waiting.reject(error);
          if (alone || !this.#db.inTransaction) {
            // Alone, the work's failure is the transaction's; otherwise SQLite itself rolled the whole transaction
            // back (an I/O error, a full disk) and the earlier works went with it.
            throw error;
          }
          control.rollbackToSavepoint.run();
          control.release.run();
        }
      }
      control.commit.run();
    } catch (error) {
      // Nothing of this group committed: every work that ran fails with the reason.
      try {
        if (this.#db.inTransaction) {
          control.rollback.run();
        }
      } catch {
        // The connection failed; its transaction is gone with it, and the works are told below.
      }
      for (const { waiting } of ran) {
        waiting.reject(error);
      }
      // Works that never started lose nothing by this group's failure: they run in the next one.
      this.#queued.unshift(...group.slice(started));
      return;
    }
    for (const { waiting, value } of ran) {
      waiting.resolve(value);
    }
  }

  #transactionStore(state: TransactionState): Store {
    // The gate and the write lock are already held by this transaction, so statements run directly.
    const run: Run = async (operation) => {
      TransactionScope.assertActive(state, 'a store method');
      return operation();
    };
    // transaction() on the tx store joins this transaction: no savepoint and no commit of its own, so the outer work
    // alone decides, by resolving or rejecting, whether everything commits.
    const tx: Store = this.#build(
      run,
      async (work) => {
        TransactionScope.assertActive(state, 'transaction()');
        return work(tx);
      },
      () => Promise.reject(new Error('close() was called on a tx store; close the root store after the transaction')),
      true,
    );
    return tx;
  }

  async #close(): Promise<void> {
    this.#scope.assertOutside('close()');
    const release = await this.#gate.acquire();
    try {
      if (!this.#closed) {
        this.#closed = true;
        // The thread's connection closes first, so this one is the last: SQLite checkpoints all and removes the WAL.
        await this.#checkpointer?.stop();
        this.#db.close();
      }
    } finally {
      release();
    }
  }
}
