/** The cluster test's tally: checks are its unit, printed as they are made, and cleanups run in reverse at the end. */
export class Checks {
  passed = 0;
  failed = 0;
  #cleanups: (() => Promise<void> | void)[] = [];

  check(name: string, ok: boolean, detail = ''): boolean {
    if (ok) {
      this.passed++;
      console.log(`  ok    ${name}`);
    } else {
      this.failed++;
      console.log(`  FAIL  ${name}${detail ? `: ${detail}` : ''}`);
    }
    return ok;
  }

  log(message: string): void {
    console.log(message);
  }

  /** Runs `cleanup` at the end of the run (or of the phase that calls {@link cleanUp}), last registered first. */
  defer(cleanup: () => Promise<void> | void): void {
    this.#cleanups.push(cleanup);
  }

  async cleanUp(): Promise<void> {
    const cleanups = this.#cleanups.reverse();
    this.#cleanups = [];
    for (const cleanup of cleanups) {
      await Promise.resolve()
        .then(cleanup)
        .catch(() => {});
    }
  }
}
