import { AsyncLocalStorage } from 'node:async_hooks';

export interface TransactionCheckOptions {
  /**
   * Refuse root-store calls made from inside `transaction()` work (see {@link TransactionScope}). Default true; the
   * server turns it off unless SHOP_DEBUG_TRANSACTIONS=1, as it would cost every request.
   */
  checkTransactionUse?: boolean | undefined;
}

/** One transaction's life; its `tx` store refuses to run once the transaction has ended. */
export class TransactionState {
  active = true;
}

/**
 * Knows which transaction, if any, the current async call chain is running inside, so that misuse fails loudly
 * instead of hanging or silently escaping the transaction:
 * - the root store used from inside `work` would, on SQLite, wait for the very transaction that waits for it;
 *   on Postgres it would run outside the transaction. Both dialects refuse it, so the bug shows whichever one tests use.
 * - a `tx` store kept past the end of its transaction would run statements outside any transaction.
 *
 * The first check needs AsyncLocalStorage, which on Node 20 turns on promise hooks for every promise in the process
 * from its first use: ~15 % of the CPU of an authenticated `GET /cart`. So it can be switched off (`checked: false`),
 * and the server does unless SHOP_DEBUG_TRANSACTIONS=1: it is a check for programming errors, which the tests (where it
 * is on) find.
 * The second check is a flag read and always on.
 */
export class TransactionScope {
  readonly #storage: AsyncLocalStorage<TransactionState> | undefined;

  constructor(checked: boolean) {
    this.#storage = checked ? new AsyncLocalStorage<TransactionState>() : undefined;
  }

  run<T>(state: TransactionState, work: () => Promise<T>): Promise<T> {
    return this.#storage ? this.#storage.run(state, work) : work();
  }

  /** Throws when called from the work of a transaction that is still running (when checked). */
  assertOutside(operation: string): void {
    if (this.#storage?.getStore()?.active) {
      throw new Error(
        `${operation} was called on the root store inside transaction(): use the tx store passed to the work function ` +
          '(tx.transaction() joins the transaction)',
      );
    }
  }

  static assertActive(state: TransactionState, operation: string): void {
    if (!state.active) {
      throw new Error(`${operation} was called on a tx store after its transaction ended`);
    }
  }
}
