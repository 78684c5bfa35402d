import { AsyncLocalStorage } from 'node:async_hooks';

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
 */
export class TransactionScope {
  readonly #storage = new AsyncLocalStorage<TransactionState>();

  run<T>(state: TransactionState, work: () => Promise<T>): Promise<T> {
    return this.#storage.run(state, work);
  }

  /** Throws when called from the work of a transaction that is still running. */
  assertOutside(operation: string): void {
    if (this.#storage.getStore()?.active) {
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
