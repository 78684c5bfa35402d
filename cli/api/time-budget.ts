/**
 * How long one `shop` command may spend waiting on the server, all requests and retries together (`--timeout`,
 * `SHOP_TIMEOUT`). The clock starts at the first request, so time spent at a prompt does not count.
 */
export interface TimeBudget {
  readonly totalMs: number;
  /** ms left; starts the clock on first call. */
  remainingMs(): number;
}

/** 15 s: long enough for a slow network and a retry, short enough that a hung server does not look like a hung `shop`. */
export const DEFAULT_TIMEOUT_SECONDS = 15;

export function createTimeBudget(totalMs: number, now: () => number): TimeBudget {
  let startedAt: number | undefined;
  return {
    totalMs,
    remainingMs() {
      startedAt ??= now();
      return Math.max(0, startedAt + totalMs - now());
    },
  };
}

/** Seconds as `--timeout` and `SHOP_TIMEOUT` take them: a positive number, fractions allowed, at most an hour. */
export function parseTimeoutSeconds(text: string): number | undefined {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text)) {
    return undefined;
  }
  const seconds = Number(text);
  return seconds >= 0.1 && seconds <= 3600 ? seconds : undefined;
}
