/**
 * A first-come, first-served async lock. The SQLite store holds it for the whole of a transaction, so statements from
 * other requests cannot slip into the open transaction while its work awaits.
 */
export class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  get locked(): boolean {
    return this.#locked;
  }

  /** Resolves once the lock is held; call the returned function exactly once to release it. */
  async acquire(): Promise<() => void> {
    if (this.#locked) {
      // Ownership is handed over by #release without ever unlocking, so nobody can jump the queue in between.
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    } else {
      this.#locked = true;
    }

    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.#release();
      }
    };
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next) {
      next();
    } else {
      this.#locked = false;
    }
  }
}
