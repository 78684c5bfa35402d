/** A figure the cluster test measured, for the benchmark's report (see bench/lib/cluster-figures.ts). */
export interface ClusterFigure {
  /** What was measured, e.g. `failover-kill: longest pause in acknowledged writes`. */
  name: string;
  ms: number;
  /** The bound its check applied. */
  atMostMs: number;
}

/** The cluster test's tally: checks are its unit, printed as they are made, and cleanups run in reverse at the end. */
export class Checks {
  passed = 0;
  failed = 0;
  readonly figures: ClusterFigure[] = [];
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

  /** Keeps a measured figure; test-cluster.ts writes them to $SHOP_CLUSTER_FIGURES when set. */
  figure(figure: ClusterFigure): void {
    this.figures.push(figure);
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
