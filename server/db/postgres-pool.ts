import { setTimeout as sleep } from 'node:timers/promises';

import type { Sql } from 'postgres';

import { isConnectionError } from './postgres-errors.js';

export interface PostgresPoolOptions {
  /**
   * A call pending this long while no call at all has completed in that time makes the pool suspect the server
   * stopped answering (a frozen or vanished host: nothing is refused, the sockets just go quiet). Milliseconds.
   */
  stalledAfterMs: number;
  /** How long the check query then gets before the pool is replaced. Milliseconds. */
  probeTimeoutMs: number;
  /** Told when the pool is replaced, and why. */
  onReplaced?: (reason: string) => void;
}

export const POSTGRES_POOL_DEFAULTS: PostgresPoolOptions = { stalledAfterMs: 2500, probeTimeoutMs: 1000 };

const internals = {
  checkEveryMs: 250,
  /** Failures that all mean one event (every pending write hitting a demoted server) replace the pool once. */
  minReplaceIntervalMs: 1000,
};

/**
 * The driver's pool, replaced whole when its server stops answering. The driver bounds connecting
 * (`connect_timeout`) but not a query on an established connection, and offers no way to drop one connection: a
 * server that froze (SIGSTOP, a VM paused, a machine that vanished behind a switch that still ACKs) would hold every
 * connection and every request for good. So every call is watched: when the oldest one has waited `stalledAfterMs`
 * and nothing completed meanwhile, a `SELECT 1` gets `probeTimeoutMs`; if that does not answer either, the old pool is
 * ended (its pending calls fail as connection errors, which the store answers with 503) and a new one connects afresh,
 * which, with a multi-host URL and `target_session_attrs=primary`, finds the promoted standby. A healthy server
 * that is merely slow answers the probe, and its slow statements are bounded by `statement_timeout` instead.
 */
export class PostgresPool {
  readonly #create: () => Sql;
  readonly #options: PostgresPoolOptions;
  readonly #pending = new Map<Promise<unknown>, { startedAt: number; generation: number }>();
  readonly #timer: NodeJS.Timeout;
  #current: Sql;
  #generation = 0;
  #lastProgressAt = Date.now();
  #lastReplacedAt = 0;
  #probing = false;
  #ended = false;
  /** Ends of replaced pools still under way; `end()` waits for them (bounded) so nothing outlives the store. */
  readonly #retiring = new Set<Promise<void>>();

  constructor(create: () => Sql, options: PostgresPoolOptions = POSTGRES_POOL_DEFAULTS) {
    this.#create = create;
    this.#options = options;
    this.#current = create();
    this.#timer = setInterval(() => void this.#check(), internals.checkEveryMs);
    this.#timer.unref();
  }

  /** The pool calls should go to now. Changes when the pool is replaced: read it for every call. */
  get sql(): Sql {
    return this.#current;
  }

  /** How many times the pool has been replaced. */
  get replacements(): number {
    return this.#generation;
  }

  /** Watches `work` (a call on {@link sql}) for the stall check, and counts its completion as the server answering. */
  watch<R>(work: Promise<R>): Promise<R> {
    this.#pending.set(work, { startedAt: Date.now(), generation: this.#generation });
    const settled = (error?: unknown): void => {
      this.#pending.delete(work);
      if (error === undefined || !isConnectionError(error)) {
        this.#lastProgressAt = Date.now();
      }
    };
    work.then(() => settled(), settled);
    return work;
  }

  /** Replaces the pool now (unless it was just replaced): the old one's connections close and its pending calls fail. */
  replace(reason: string): void {
    if (this.#ended || Date.now() - this.#lastReplacedAt < internals.minReplaceIntervalMs) {
      return;
    }
    this.#lastReplacedAt = Date.now();
    const old = this.#current;
    this.#current = this.#create();
    this.#generation++;
    this.#lastProgressAt = Date.now();
    this.#options.onReplaced?.(reason);
    const ending = old.end({ timeout: 0 }).catch(() => {});
    this.#retiring.add(ending);
    void ending.finally(() => this.#retiring.delete(ending));
  }

  /** Stops watching and ends the pool, giving connections `timeoutSeconds` to finish what they run. */
  async end(timeoutSeconds: number): Promise<void> {
    this.#ended = true;
    clearInterval(this.#timer);
    await Promise.all([this.#current.end({ timeout: timeoutSeconds }), ...this.#retiring]);
  }

  async #check(): Promise<void> {
    if (this.#probing || this.#ended) {
      return;
    }
    const now = Date.now();
    const { stalledAfterMs, probeTimeoutMs } = this.#options;
    let oldest = now;
    for (const { startedAt, generation } of this.#pending.values()) {
      if (generation === this.#generation && startedAt < oldest) {
        oldest = startedAt;
      }
    }
    if (now - oldest < stalledAfterMs || now - this.#lastProgressAt < stalledAfterMs) {
      return;
    }
    this.#probing = true;
    const generation = this.#generation;
    const sql = this.#current;
    try {
      // A probe that fails at once (connection refused, reset) shows the pool is not stuck: it reaches the network and
      // will reconnect by itself. Only silence means the connections hang.
      const probe = sql`SELECT 1`.then(
        () => 'answered' as const,
        () => 'failed' as const,
      );
      const outcome = await Promise.race([probe, sleep(probeTimeoutMs, 'silent' as const, { ref: false })]);
      if (outcome === 'answered') {
        this.#lastProgressAt = Date.now();
      } else if (outcome === 'silent' && generation === this.#generation && !this.#ended) {
        this.replace(`no answer from the database for ${Date.now() - oldest} ms`);
      }
    } finally {
      this.#probing = false;
    }
  }
}
